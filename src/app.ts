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
import { createApiKeyStore } from "./store/api-key-store.js";
import { createBudgetSync } from "./reliability/rate-limit/sync.js";
import { createRateLimiter } from "./reliability/rate-limit/limiter.js";
import { runPeriodically } from "./reliability/periodic.js";
import { createIdempotencyStore } from "./store/idempotency-store.js";
import { createIdentityStore } from "./store/identity-store.js";
import { createRateLimitStore } from "./store/rate-limit-store.js";
import { connectDatabase } from "./store/mongo.js";
import { createOrganizationStore } from "./store/organization-store.js";
import { createTenantStore } from "./store/tenant-store.js";
import { clientAddressHeader } from "./transport/client-address.js";
import { apiKeyReplayResponses, createApiKeyHandlers } from "./transport/connect/api-key-handlers.js";
import { createConnectHandler } from "./transport/connect/connect-handler.js";
import { createCors } from "./transport/cors.js";
import { createIdentityHandlers } from "./transport/connect/identity-handlers.js";
import { createOrganizationHandlers } from "./transport/connect/organization-handlers.js";
import { registerService } from "./transport/method-pipeline.js";
import { createRestHandler } from "./transport/rest/rest-handler.js";
import { listen, type NodeHandler, type RunningServer } from "./transport/server.js";

export interface App {
  readonly handler: NodeHandler;
  /** Listens on config.port (0 = ephemeral). */
  listen(): Promise<RunningServer>;
  close(): Promise<void>;
}

export interface AppOptions {
  /** The clock of key expiry, the key cache and last_used_at (tests inject one). */
  readonly now?: () => Date;
}

export async function buildApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<App> {
  const now = options.now ?? (() => new Date());
  const database = await connectDatabase(config.mongodbUri);
  const identityStore = await createIdentityStore(database.db);
  const organizationStore = await createOrganizationStore(database.db);
  const apiKeyStore = await createApiKeyStore(database.db);
  const tenantStore = await createTenantStore(database.db);
  const breachedList = await loadBreachedList();

  const apiKeyAuth = createApiKeyAuthenticator({
    keys: apiKeyStore,
    pepper: config.auth.apiKeyPepper,
    cacheTtlMs: config.auth.apiKeyCacheTtlMs,
    now,
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

  const identities = createIdentityService({
    store: identityStore,
    organizations: organizationStore,
    hasher: createPasswordHasher(config.argon2),
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

  const idempotencyStore = await createIdempotencyStore(database.db, config.idempotency);
  const limiter = createRateLimiter();
  const budgetSync = createBudgetSync(limiter, await createRateLimitStore(database.db));
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
    rateLimits: { limiter, config: config.rateLimits },
    idempotency: { store: idempotencyStore, now: () => new Date(), logger, fingerprintKey: config.auth.apiKeyPepper },
  };
  const registrations = [
    registerService(IdentityService, createIdentityHandlers(identities), pipeline),
    registerService(ApiKeyService, createApiKeyHandlers(apiKeys), pipeline, { replayResponse: apiKeyReplayResponses }),
    registerService(OrganizationService, createOrganizationHandlers(organizations), pipeline),
  ];

  const rest = createRestHandler(registrations, { maxBodyBytes: config.maxBodyBytes });
  const connect = createConnectHandler(registrations, {
    maxBodyBytes: config.maxBodyBytes,
    fallback: (req, res) => void rest(req, res),
    maxHeaderBytes: config.connections.maxHeaderBytes,
    logger,
  });

  const applyCors = createCors({ origins: config.corsOrigins });
  const handler: NodeHandler = (req, res) => {
    // The peer address for per-address throttling; never trust a client's copy.
    req.headers[clientAddressHeader] = req.socket?.remoteAddress ?? "unknown";
    if (applyCors(req, res as never)) return; // answered a preflight
    connect(req, res);
  };

  return {
    handler,
    listen: () => listen(handler, config.port, config.host, config.connections),
    async close() {
      await Promise.all(background.map((task) => task.stop()));
      await database.close();
    },
  };
}
