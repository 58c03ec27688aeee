// The service's Prometheus metrics, on a registry of its own (created once
// in app.ts and passed to whoever records): no module registers into
// prom-client's global registry, so two apps in one process (tests) never
// collide and every series is reachable from the one object.
//
// Names and labels (README "Operating it"):
// - avnology_rpc_requests_total{service,method,protocol,code}: every request,
//   counted at the transport's entry, so refusals before the method (auth,
//   rate limit, bad JSON, unknown route) count too. `method` is the RPC name
//   or "unmatched" (never a raw path: unbounded label values would blow up
//   the series count); `code` is OK or the AVNOLOGY code.
// - avnology_rpc_duration_seconds{service,method,protocol}: histogram.
// - Argon2: avnology_password_hashes_in_flight, _queued (gauges read at scrape
//   time), avnology_password_hash_duration_seconds, avnology_password_hash_shed_total.
// - Database: avnology_db_operation_duration_seconds{operation},
//   avnology_db_operation_errors_total{operation,kind}.
// - avnology_rate_limit_refusals_total{service,method},
//   avnology_idempotency_replays_total{service,method},
//   avnology_api_key_cache_total{result=hit|miss}.
// - prom-client's default process metrics (event-loop lag, heap, GC, fds).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  readonly rpcRequests: Counter<"service" | "method" | "protocol" | "code">;
  readonly rpcDuration: Histogram<"service" | "method" | "protocol">;
  readonly hashDuration: Histogram;
  readonly hashShed: Counter;
  readonly dbDuration: Histogram<"operation">;
  readonly dbErrors: Counter<"operation" | "kind">;
  readonly rateLimitRefusals: Counter<"service" | "method">;
  readonly idempotencyReplays: Counter<"service" | "method">;
  readonly apiKeyCache: Counter<"result">;
  /** Reads the hashing queue at scrape time. */
  watchHasher(stats: () => { running: number; queued: number }): void;
  /** The text exposition format, for GET /metrics. */
  render(): Promise<string>;
  readonly contentType: string;
}

// Request latency: from a cached GET (~1 ms) to an Argon2 call queued behind
// others (~1 s) and the database timeout (2 s by default).
const rpcBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// One Argon2id hash at the OWASP parameters is ~20-30 ms on these cores.
const hashBuckets = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1];
const dbBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let hasherStats: (() => { running: number; queued: number }) | undefined;

  return {
    registry,
    rpcRequests: new Counter({
      name: "avnology_rpc_requests_total",
      help: "Requests by RPC, protocol and outcome (OK or the AVNOLOGY code), counted at the transport's entry.",
      labelNames: ["service", "method", "protocol", "code"],
      registers,
    }),
    rpcDuration: new Histogram({
      name: "avnology_rpc_duration_seconds",
      help: "Request duration from the transport's entry to the last byte of the answer.",
      labelNames: ["service", "method", "protocol"],
      buckets: rpcBuckets,
      registers,
    }),
    hashDuration: new Histogram({
      name: "avnology_password_hash_duration_seconds",
      help: "Argon2id hash or verify duration, excluding time queued.",
      buckets: hashBuckets,
      registers,
    }),
    hashShed: new Counter({
      name: "avnology_password_hash_shed_total",
      help: "Hash or verify calls refused with 503 AVNOLOGY_AUTH_950 because the queue was full.",
      registers,
    }),
    dbDuration: new Histogram({
      name: "avnology_db_operation_duration_seconds",
      help: "Store operation duration by operation (store.method).",
      labelNames: ["operation"],
      buckets: dbBuckets,
      registers,
    }),
    dbErrors: new Counter({
      name: "avnology_db_operation_errors_total",
      help: "Failed store operations: kind=unavailable (the database did not answer: 951) or other.",
      labelNames: ["operation", "kind"],
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: "avnology_rate_limit_refusals_total",
      help: "Calls refused by a rate limit (429 AVNOLOGY_AUTH_021).",
      labelNames: ["service", "method"],
      registers,
    }),
    idempotencyReplays: new Counter({
      name: "avnology_idempotency_replays_total",
      help: "Calls answered from a stored outcome of the same Idempotency-Key.",
      labelNames: ["service", "method"],
      registers,
    }),
    apiKeyCache: new Counter({
      name: "avnology_api_key_cache_total",
      help: "API key authentications served from the in-process cache (hit) or the database (miss).",
      labelNames: ["result"],
      registers,
    }),
    watchHasher(stats) {
      if (hasherStats === undefined) {
        new Gauge({
          name: "avnology_password_hashes_in_flight",
          help: "Argon2id hashes or verifies running now.",
          registers,
          collect() {
            this.set(hasherStats?.().running ?? 0);
          },
        });
        new Gauge({
          name: "avnology_password_hashes_queued",
          help: "Argon2id hashes or verifies waiting for a slot.",
          registers,
          collect() {
            this.set(hasherStats?.().queued ?? 0);
          },
        });
      }
      hasherStats = stats;
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
