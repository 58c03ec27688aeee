// Reads the configuration, builds the app, listens, and drains on SIGTERM or
// SIGINT the way a load balancer needs:
// 1. at once: /readyz answers 503 and gRPC health NOT_SERVING (/healthz stays
//    200 until exit), while every request is still served;
// 2. after SHUTDOWN_DELAY_MS (default 5 s, so load balancers and endpoint
//    controllers notice): stop accepting connections, let calls in flight
//    finish within SHUTDOWN_TIMEOUT_MS (default 10 s), drop the rest;
// 3. close the database and exit 0: 15 s at most with the defaults.
import { buildApp } from "./app.js";
import { loadConfig } from "./config/config.js";
import { missingSettings, missingSettingsMessage } from "./config/required-settings.js";
import { createLogger } from "./logger.js";
import { serveBenchStats } from "./process-stats.js";

const missing = missingSettings();
if (missing.length > 0) {
  console.error(missingSettingsMessage(missing));
  process.exit(1);
}

const config = loadConfig();
if (config.benchStats) serveBenchStats();
const logger = createLogger(config.logLevel);
// Listens at once, even before the database answers: probes and 503s meanwhile.
const app = await buildApp(config, logger, { awaitStartup: false });
const server = await app.listen();
logger.info({ port: server.port, address: server.address }, "listening (gRPC, gRPC-Web, Connect and REST on one port)");

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const { shutdownDelayMs, shutdownTimeoutMs } = config.operations;
  // Should closing hang anyway (a stuck database close), exit regardless.
  setTimeout(() => {
    logger.error("shutdown took too long; exiting");
    process.exit(1);
  }, shutdownDelayMs + shutdownTimeoutMs + 5_000).unref();
  app.drain();
  logger.info({ signal, shutdownDelayMs, shutdownTimeoutMs }, "draining: reporting not ready, still serving");
  await new Promise((resolve) => setTimeout(resolve, shutdownDelayMs));
  logger.info("no longer accepting connections; waiting for calls in flight");
  await server.close(shutdownTimeoutMs);
  await app.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
