// Composition root: database → store → domain services → transports, wired
// with plain arguments. main.ts and the tests both build the app from here.
import type { Logger } from "pino";
import { ApiKeyService } from "../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentityService } from "../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "../gen/avnology/identity/v1/organization_service_pb.js";
import { createApiKeyAuthenticator } from "./auth/api-key-authenticator.js";
import { createCallerResolver } from "./auth/caller-resolver.js";
import { createFailedAuthThrottle } from "./auth/failed-auth-throttle.js";
import { createJwtVerifier } from "./auth/jwt.js";
import type { Config } from "./config/config.js";
import { createBreachChecker } from "./passwords/breach-checker.js";
import { loadBreachedList } from "./passwords/breached-list.js";
import { createPasswordHasher } from "./passwords/hasher.js";
import { createApiKeyService } from "./services/api-keys/index.js";
import { createIdentityService } from "./services/identities/index.js";
import { createOrganizationService } from "./services/organizations/index.js";
import { createBudgetSync } from "./reliability/rate-limit/sync.js";
import { createRateLimiter } from "./reliability/rate-limit/limiter.js";
import { runPeriodically } from "./reliability/periodic.js";
import { openDatabase } from "./store/mongo.js";
import { startStores, withinDeadline } from "./store/stores.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { createRequestDeadlines } from "./observability/request-deadline.js";
import { createRequestObserver } from "./observability/request-observer.js";
import { createRouteOf } from "./observability/route-of.js";
import { clientAddressHeader, createClientAddressResolver } from "./transport/client-address.js";
import { apiKeyReplayResponses, createApiKeyHandlers } from "./transport/connect/api-key-handlers.js";
import { createConnectHandler } from "./transport/connect/connect-handler.js";
import { createCors } from "./transport/cors.js";
import { listenMetrics } from "./observability/metrics-server.js";
import { createOperationsHandler, operationServices } from "./transport/health/operations-handler.js";
import { createReadiness, type Readiness } from "./transport/health/readiness.js";
import { createIdentityHandlers } from "./transport/connect/identity-handlers.js";
import { createOrganizationHandlers } from "./transport/connect/organization-handlers.js";
import { apiKeyReplayRules, identityReplayRules, organizationReplayRules } from "./transport/connect/replay-rules.js";
import { createOpenApiRoute } from "./transport/openapi-document.js";
import { registerService } from "./transport/method-pipeline.js";
import { createRestHandler } from "./transport/rest/rest-handler.js";
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
  const { databaseTimeoutMs } = config.operations;
  const metrics = createMetrics();
  const deadlines = createRequestDeadlines();
  const clientAddressFor = createClientAddressResolver(config.operations.trustedProxies);
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
  const { identities: identityStore, organizations: organizationStore, apiKeys: apiKeyStore, tenants: tenantStore } = startup.stores;
  const readiness = createReadiness({
    ping: (timeoutMs) => database.ping(timeoutMs),
    isStarted: startup.isStarted,
    started: startup.started,
    pingTimeoutMs: Math.min(databaseTimeoutMs, 1_000),
  });
  const breachedList = await loadBreachedList();

  const apiKeyAuth = createApiKeyAuthenticator({
    keys: apiKeyStore,
    pepper: config.auth.apiKeyPepper,
    cacheTtlMs: config.auth.apiKeyCacheTtlMs,
    now,
    retryJoinedLookup: () => readiness.state().database === "up",
    boundWait: (wait) => withinDeadline(wait, deadlines.remainingMs(), 1),
    onCacheLookup: (hit) => metrics.apiKeyCache.inc({ result: hit ? "hit" : "miss" }),
    onTouchError: (err) => logger.warn({ err }, "could not record an API key's last use"),
  });
  const callers = createCallerResolver({
    apiKeys: apiKeyAuth,
    ...(config.auth.bootstrapKey === undefined ? {} : { bootstrapKey: config.auth.bootstrapKey }),
    ...(config.auth.oauth === undefined ? {} : { jwt: createJwtVerifier(config.auth.oauth) }),
    throttle: createFailedAuthThrottle({
      maxFailures: config.auth.failureLimit,
      windowMs: config.auth.failureWindowMs,
      now: () => now().getTime(),
    }),
  });

  const hasher = createPasswordHasher(config.argon2, {
    worked: (seconds) => metrics.hashDuration.observe(seconds),
    shed: () => metrics.hashShed.inc(),
  });
  metrics.watchHasher(() => hasher.stats());
  const observer = createRequestObserver({
    logger,
    metrics,
    routeOf: createRouteOf([IdentityService, ApiKeyService, OrganizationService, ...operationServices], [IdentityService, ApiKeyService, OrganizationService]),
    clientAddress: (req) => clientAddressFor(req.socket?.remoteAddress, req.headers["x-forwarded-for"]),
    clientAddressHeader,
    deadlines,
    quietPaths: ["/healthz", "/readyz", "/metrics", "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"],
  });

  const identities = createIdentityService({
    store: identityStore,
    organizations: organizationStore,
    hasher,
    breach: createBreachChecker({
      list: breachedList,
      ...(config.breachApiUrl ? { rangeApiUrl: config.breachApiUrl } : {}),
      failOpen: config.breachApiFailOpen,
      timeoutMs: config.breachApiTimeoutMs,
      onRangeApiError: (err) => logger.warn({ err: String(err) }, "breach range API unavailable"),
    }),
    passwordPolicy: { minLength: config.passwordMinLength, maxLength: config.passwordMaxLength },
  });

  const apiKeys = createApiKeyService({
    keys: apiKeyStore,
    tenants: tenantStore,
    organizations: organizationStore,
    pepper: config.auth.apiKeyPepper,
    evictFromCache: (id) => apiKeyAuth.evict(id),
    now,
  });
  const organizations = createOrganizationService({ store: organizationStore, now });

  const idempotencyStore = startup.stores.idempotency;
  const limiter = createRateLimiter();
  const budgetSync = createBudgetSync(limiter, startup.stores.rateLimits);
  const background = [
    runPeriodically("rate-limit sync", config.rateLimits.syncIntervalMs, budgetSync.sync, logger),
    runPeriodically(
      "idempotency cleanup",
      config.idempotency.cleanupIntervalMs,
      async () => void (await idempotencyStore.deleteExpired(new Date())),
      logger,
    ),
  ];
  const pipeline = {
    callers,
    logger,
    requestFacts: observer.facts,
    rateLimits: { limiter, config: config.rateLimits },
    idempotency: {
      store: idempotencyStore,
      now: () => new Date(),
      logger,
      fingerprintKey: config.auth.apiKeyPepper,
      leaseMs: config.idempotency.inProgressLeaseMs,
    },
  };
  const registrations = [
    registerService(IdentityService, createIdentityHandlers(identities), pipeline, { replayRules: identityReplayRules }),
    registerService(ApiKeyService, createApiKeyHandlers(apiKeys), pipeline, {
      replayResponse: apiKeyReplayResponses,
      replayRules: apiKeyReplayRules,
    }),
    registerService(OrganizationService, createOrganizationHandlers(organizations), pipeline, {
      replayRules: organizationReplayRules,
    }),
  ];

  const rest = createRestHandler(registrations, { maxBodyBytes: config.maxBodyBytes });
  const connect = createConnectHandler(registrations, {
    maxBodyBytes: config.maxBodyBytes,
    fallback: (req, res) => void rest(req, res),
    maxHeaderBytes: config.connections.maxHeaderBytes,
    logger,
  });

  const applyCors = createCors({ origins: config.corsOrigins });
  const openApi = createOpenApiRoute();
  const api: NodeHandler = (req, res) => {
    if (applyCors(req, res as never)) return; // answered a preflight
    if (openApi(req, res)) return;
    connect(req, res);
  };
  // Aborted when the server stops accepting: ends gRPC health Watch streams,
  // which would otherwise hold their HTTP/2 sessions open until the timeout.
  const stopStreams = new AbortController();
  const operations = createOperationsHandler({
    readiness,
    shutdownSignal: stopStreams.signal,
    services: registrations.map((r) => r.service),
    // With METRICS_PORT, /metrics is served there only (off the public port).
    ...(config.operations.metricsPort === undefined ? { metrics } : {}),
    next: api,
  });
  // The request observer sets the request id and the client address
  // (overwriting a client's copy) before anything else runs.
  const observed = observer.wrap(operations);
  let closing = false;
  const handler: NodeHandler = (req, res) => {
    // Once the server stops accepting, a request still arriving on an open
    // HTTP/1.1 keep-alive connection is served and its connection closed after
    // it: busy keep-alive connections would otherwise never turn idle and
    // hold the close until its timeout.
    if (closing && req.httpVersionMajor === 1) res.setHeader("connection", "close");
    observed(req, res);
  };
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
          closing = true;
          stopStreams.abort();
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
      await Promise.all(background.map((task) => task.stop()));
      await database.close();
    },
  };
}
