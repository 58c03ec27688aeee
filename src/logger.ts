// The service logger. Secrets never reach a log line: request bodies are never
// logged, and these paths are redacted as a second line of defence.
import { pino, type DestinationStream, type Logger } from "pino";

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "avnology-identity" },
    redact: {
      paths: [
        "password",
        "*.password",
        "initial_password",
        "*.initial_password",
        "initialPassword",
        "*.initialPassword",
        "password_hash",
        "*.password_hash",
        "passwordHash",
        "*.passwordHash",
        "secret",
        "*.secret",
        "authorization",
        "*.authorization",
        "headers.authorization",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
