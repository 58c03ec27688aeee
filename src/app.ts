// Composition root: stores → services → transports, each built by its own
// function in src/app/ and wired here with plain arguments. main.ts and the
// tests both build the app from here.
import type { Logger } from "pino";
import type { Config } from "./config/config.js";
import { buildServices } from "./app/build-services.js";
import { buildStores } from "./app/build-stores.js";
import { buildTransports } from "./app/build-transports.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { listenMetrics } from "./observability/metrics-server.js";
import { createRequestDeadlines } from "./observability/request-deadline.js";
import type { Readiness } from "./transport/health/readiness.js";
import { listen, type NodeHandler, type RunningServer } from "./transport/server.js";

export interface App {
  readonly handler: NodeHandler;
  /** Listens on config.port (0 = ephemeral). */
  listen(): Promise<RunningServer>;
  close(): Promise<void>;
  /** Start-up, probes and health: what /readyz and grpc.health.v1 answer. */
  readonly readiness: Readiness;
  /** Resolves when the stores (and their indexes) exist; never rejects. */
  readonly started: Promise<void>;
  readonly metrics: Metrics;
  /**
   * Starts a drain (SIGTERM): not ready and NOT_SERVING from now on; requests
   * are still served, on open connections too, until the server's close().
   */
  drain(): void;
}

export interface AppOptions {
  /** The clock of key expiry, the key cache and last_used_at (tests inject one). */
  readonly now?: () => Date;
  /**
   * Wait for the database (start-up, indexes) before returning; default true.
   * main.ts passes false: the service listens at once and answers 503 until
   * the database is reachable.
   */
  readonly awaitStartup?: boolean;
}

export async function buildApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<App> {
  const now = options.now ?? (() => new Date());
  const metrics = createMetrics();
  const deadlines = createRequestDeadlines();
  const { database, startup, readiness } = buildStores(config, logger, { metrics, deadlines });
  const services = await buildServices(config, logger, { stores: startup.stores, readiness, metrics, deadlines, now });
  const transports = buildTransports(config, logger, { services, stores: startup.stores, readiness, metrics, deadlines });
  const { handler } = transports;
  if (options.awaitStartup ?? true) await startup.started;

  return {
    handler,
    listen: async () => {
      const server = await listen(handler, config.port, config.host, config.connections);
      const { metricsPort } = config.operations;
      const scrape =
        metricsPort === undefined
          ? undefined
          : await listenMetrics(metrics, metricsPort, config.host).catch(async (err: unknown) => {
              await server.close(0);
              throw err;
            });
      return {
        ...server,
        async close(graceMs?: number) {
          transports.stopAccepting();
          await Promise.all([server.close(graceMs), scrape?.close()]);
        },
      };
    },
    readiness,
    started: startup.started,
    metrics,
    drain: () => readiness.drain(),
    async close() {
      startup.stop();
      readiness.stop();
      await Promise.all(transports.background.map((task) => task.stop()));
      await database.close();
    },
  };
}
