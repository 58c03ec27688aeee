// Composition root: database → store → domain services → transports, wired
// with plain arguments. main.ts and the tests both build the app from here.
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { IdentityService } from "../gen/avnology/identity/v1/identity_service_pb.js";
import { createInsecureDevCallerResolver } from "./auth/insecure-dev-caller.js";
import type { Config } from "./config/config.js";
import { createBreachChecker } from "./passwords/breach-checker.js";
import { loadBreachedList } from "./passwords/breached-list.js";
import { createPasswordHasher } from "./passwords/hasher.js";
import { createIdentityService } from "./services/identities/index.js";
import { createBudgetSync } from "./reliability/rate-limit/sync.js";
import { createRateLimiter } from "./reliability/rate-limit/limiter.js";
import { runPeriodically } from "./reliability/periodic.js";
import { createIdempotencyStore } from "./store/idempotency-store.js";
import { createIdentityStore } from "./store/identity-store.js";
import { createRateLimitStore } from "./store/rate-limit-store.js";
import { connectDatabase } from "./store/mongo.js";
import { clientAddressHeader } from "./transport/client-address.js";
import { createIdentityHandlers } from "./transport/connect/identity-handlers.js";
import { registerService } from "./transport/method-pipeline.js";
import { createRestHandler } from "./transport/rest/rest-handler.js";
import { listen, type NodeHandler, type RunningServer } from "./transport/server.js";

export interface App {
  readonly handler: NodeHandler;
  /** Listens on config.port (0 = ephemeral). */
  listen(): Promise<RunningServer>;
  close(): Promise<void>;
}

export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const database = await connectDatabase(config.mongodbUri);
  const identityStore = await createIdentityStore(database.db);
  const breachedList = await loadBreachedList();
  const identities = createIdentityService({
    store: identityStore,
    hasher: createPasswordHasher(config.argon2),
    breach: createBreachChecker({ list: breachedList, failOpen: true, timeoutMs: 2_000 }),
    passwordPolicy: { minLength: config.passwordMinLength, maxLength: config.passwordMaxLength },
  });

  if (config.insecureDevAllowUnauthenticated) {
    logger.warn("INSECURE_DEV_ALLOW_UNAUTHENTICATED=1: calls without credentials are let through. Never in production.");
  }
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
    callers: createInsecureDevCallerResolver(config.insecureDevAllowUnauthenticated),
    logger,
    rateLimits: { limiter, config: config.rateLimits },
    idempotency: { store: idempotencyStore, now: () => new Date(), logger },
  };
  const registrations = [registerService(IdentityService, createIdentityHandlers(identities), pipeline)];

  const rest = createRestHandler(registrations, { maxBodyBytes: config.maxBodyBytes });
  const connect = connectNodeAdapter({
    routes: (router) => {
      for (const r of registrations) router.service(r.service, r.impl as never);
    },
    fallback: (req, res) => void rest(req, res as never),
    readMaxBytes: config.maxBodyBytes,
    jsonOptions: { ignoreUnknownFields: false },
  });

  const handler: NodeHandler = (req, res) => {
    // The peer address for per-address throttling; never trust a client's copy.
    req.headers[clientAddressHeader] = req.socket?.remoteAddress ?? "unknown";
    connect(req, res);
  };

  return {
    handler,
    listen: () => listen(handler, config.port, config.host),
    async close() {
      await Promise.all(background.map((task) => task.stop()));
      await database.close();
    },
  };
}
