// The first layer of the composition root: the database, its stores and the
// readiness that watches them. Nothing here knows a service or a transport.
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { Metrics } from "../observability/metrics.js";
import type { RequestDeadlines } from "../observability/request-deadline.js";
import { openDatabase, type Database } from "../store/mongo.js";
import { startStores, type StartingStores } from "../store/stores.js";
import { createReadiness, type Readiness } from "../transport/health/readiness.js";

export interface StoreLayer {
  readonly database: Database;
  readonly startup: StartingStores;
  readonly readiness: Readiness;
}

export function buildStores(
  config: Config,
  logger: Logger,
  { metrics, deadlines }: { readonly metrics: Metrics; readonly deadlines: RequestDeadlines },
): StoreLayer {
  const { databaseTimeoutMs } = config.operations;
  const database = openDatabase(config.mongodbUri, { timeoutMs: databaseTimeoutMs });
  const startup = startStores(database, {
    idempotency: config.idempotency,
    remainingMs: deadlines.remainingMs,
    observe: (operation, seconds, error) => {
      metrics.dbDuration.observe({ operation }, seconds);
      if (error !== undefined) metrics.dbErrors.inc({ operation, kind: error });
      // Readiness and health learn of an outage from the first failed call, not the next ping.
      readiness.report(error !== "unavailable");
    },
    onStartupError: (err, attempt) => logger.warn({ err: String(err), attempt }, "database not reachable yet; retrying start-up"),
  });
  const readiness = createReadiness({
    ping: (timeoutMs) => database.ping(timeoutMs),
    isStarted: startup.isStarted,
    started: startup.started,
    pingTimeoutMs: Math.min(databaseTimeoutMs, 1_000),
  });
  return { database, startup, readiness };
}
