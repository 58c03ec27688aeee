// The third layer of the composition root: the method pipeline around every
// service (rate limits, idempotency, request log) and the transports that
// serve it — gRPC, gRPC-Web, Connect and REST on one handler — with CORS,
// the OpenAPI document, health, readiness and metrics in front.
import type { Logger } from "pino";
import { ApiKeyService } from "../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "../../gen/avnology/identity/v1/organization_service_pb.js";
import type { Config } from "../config/config.js";
import type { Metrics } from "../observability/metrics.js";
import type { RequestDeadlines } from "../observability/request-deadline.js";
import { createRequestObserver } from "../observability/request-observer.js";
import { createRouteOf } from "../observability/route-of.js";
import { runPeriodically, type Periodic } from "../reliability/periodic.js";
import { createBudgetSync } from "../reliability/rate-limit/sync.js";
import { createRateLimiter } from "../reliability/rate-limit/limiter.js";
import type { Stores } from "../store/stores.js";
import { clientAddressHeader, createClientAddressResolver } from "../transport/client-address.js";
import { apiKeyReplayResponses, createApiKeyHandlers } from "../transport/connect/api-key-handlers.js";
import { createConnectHandler } from "../transport/connect/connect-handler.js";
import { createIdentityHandlers } from "../transport/connect/identity-handlers.js";
import { createOrganizationHandlers } from "../transport/connect/organization-handlers.js";
import { apiKeyReplayRules, identityReplayRules, organizationReplayRules } from "../transport/connect/replay-rules.js";
import { createCors } from "../transport/cors.js";
import { createOperationsHandler, operationServices } from "../transport/health/operations-handler.js";
import type { Readiness } from "../transport/health/readiness.js";
import { registerService } from "../transport/method-pipeline.js";
import { createOpenApiRoute } from "../transport/openapi-document.js";
import { createRestHandler } from "../transport/rest/rest-handler.js";
import type { NodeHandler } from "../transport/server.js";
import type { ServiceLayer } from "./build-services.js";

export interface TransportLayer {
  readonly handler: NodeHandler;
  /** The server stops accepting: close HTTP/1.1 connections after their request, end health Watch streams. */
  stopAccepting(): void;
  /** Background work the transports need (rate-limit budget sync, idempotency cleanup). */
  readonly background: readonly Periodic[];
}

export interface TransportLayerDeps {
  readonly services: ServiceLayer;
  readonly stores: Stores;
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  readonly deadlines: RequestDeadlines;
}

export function buildTransports(config: Config, logger: Logger, deps: TransportLayerDeps): TransportLayer {
  const { services, stores, readiness, metrics, deadlines } = deps;
  const clientAddressFor = createClientAddressResolver(config.operations.trustedProxies);
  const observer = createRequestObserver({
    logger,
    metrics,
    routeOf: createRouteOf([IdentityService, ApiKeyService, OrganizationService, ...operationServices], [IdentityService, ApiKeyService, OrganizationService]),
    clientAddress: (req) => clientAddressFor(req.socket?.remoteAddress, req.headers["x-forwarded-for"]),
    clientAddressHeader,
    deadlines,
    quietPaths: ["/healthz", "/readyz", "/metrics", "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"],
  });

  const limiter = createRateLimiter();
  const budgetSync = createBudgetSync(limiter, stores.rateLimits);
  const background = [
    runPeriodically("rate-limit sync", config.rateLimits.syncIntervalMs, budgetSync.sync, logger),
    runPeriodically(
      "idempotency cleanup",
      config.idempotency.cleanupIntervalMs,
      async () => void (await stores.idempotency.deleteExpired(new Date())),
      logger,
    ),
  ];
  const pipeline = {
    callers: services.callers,
    logger,
    requestFacts: observer.facts,
    rateLimits: { limiter, config: config.rateLimits },
    idempotency: {
      store: stores.idempotency,
      now: () => new Date(),
      logger,
      fingerprintKey: config.auth.apiKeyPepper,
      leaseMs: config.idempotency.inProgressLeaseMs,
    },
  };
  const registrations = [
    registerService(IdentityService, createIdentityHandlers(services.identities), pipeline, { replayRules: identityReplayRules }),
    registerService(ApiKeyService, createApiKeyHandlers(services.apiKeys), pipeline, {
      replayResponse: apiKeyReplayResponses,
      replayRules: apiKeyReplayRules,
    }),
    registerService(OrganizationService, createOrganizationHandlers(services.organizations), pipeline, {
      replayRules: organizationReplayRules,
    }),
  ];

  const rest = createRestHandler(registrations, { maxBodyBytes: config.maxBodyBytes, maxBatchBodyBytes: config.maxBatchBodyBytes });
  const connect = createConnectHandler(registrations, {
    maxBodyBytes: config.maxBodyBytes,
    maxBatchBodyBytes: config.maxBatchBodyBytes,
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
  return {
    handler,
    stopAccepting: () => {
      closing = true;
      stopStreams.abort();
    },
    background,
  };
}
