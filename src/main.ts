// Reads the configuration, builds the app, listens, and shuts down gracefully.
import { buildApp } from "./app.js";
import { loadConfig } from "./config/config.js";
import { createLogger } from "./logger.js";
import { serveBenchStats } from "./process-stats.js";

const config = loadConfig();
if (config.benchStats) serveBenchStats();
const logger = createLogger(config.logLevel);
const app = await buildApp(config, logger);
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
