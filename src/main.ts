// Reads the configuration, builds the app, listens, and shuts down gracefully.
import { buildApp } from "./app.js";
import { loadConfig } from "./config/config.js";
import { createLogger } from "./logger.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);
// Listens at once, even before the database answers: probes and 503s meanwhile.
const app = await buildApp(config, logger, { awaitStartup: false });
const server = await app.listen();
logger.info({ port: server.port, address: server.address }, "listening (gRPC, gRPC-Web, Connect and REST on one port)");

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  await server.close(10_000);
  await app.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
