// The second layer of the composition root: who the caller is (API keys,
// bootstrap key, OAuth tokens) and the use cases, built on the stores.
import type { Logger } from "pino";
import { createApiKeyAuthenticator } from "../auth/api-key-authenticator.js";
import { createCallerResolver } from "../auth/caller-resolver.js";
import { createFailedAuthThrottle } from "../auth/failed-auth-throttle.js";
import { createJwtVerifier } from "../auth/jwt.js";
import type { Config } from "../config/config.js";
import type { Metrics } from "../observability/metrics.js";
import type { RequestDeadlines } from "../observability/request-deadline.js";
import { createBreachChecker } from "../passwords/breach-checker.js";
import { loadBreachedList } from "../passwords/breached-list.js";
import { createPasswordHasher } from "../passwords/hasher.js";
import { createApiKeyService, type ApiKeyUseCases } from "../services/api-keys/index.js";
import { createIdentityService, type IdentityUseCases } from "../services/identities/index.js";
import { createOrganizationService, type OrganizationUseCases } from "../services/organizations/index.js";
import { withinDeadline, type Stores } from "../store/stores.js";
import type { Readiness } from "../transport/health/readiness.js";
import type { CallerResolver } from "../transport/method-pipeline.js";

export interface ServiceLayer {
  readonly callers: CallerResolver;
  readonly identities: IdentityUseCases;
  readonly apiKeys: ApiKeyUseCases;
  readonly organizations: OrganizationUseCases;
}

export interface ServiceLayerDeps {
  readonly stores: Stores;
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  readonly deadlines: RequestDeadlines;
  readonly now: () => Date;
}

export async function buildServices(config: Config, logger: Logger, deps: ServiceLayerDeps): Promise<ServiceLayer> {
  const { stores, readiness, metrics, deadlines, now } = deps;
  const breachedList = await loadBreachedList();

  const apiKeyAuth = createApiKeyAuthenticator({
    keys: stores.apiKeys,
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

  const hasher = createPasswordHasher(
    config.argon2,
    {
      worked: (seconds) => metrics.hashDuration.observe(seconds),
      shed: () => metrics.hashShed.inc(),
    },
    config.importedHashCaps,
  );
  metrics.watchHasher(() => hasher.stats());

  const identities = createIdentityService({
    store: stores.identities,
    organizations: stores.organizations,
    hasher,
    breach: createBreachChecker({
      list: breachedList,
      ...(config.breachApiUrl ? { rangeApiUrl: config.breachApiUrl } : {}),
      failOpen: config.breachApiFailOpen,
      timeoutMs: config.breachApiTimeoutMs,
      onRangeApiError: (err) => logger.warn({ err: String(err) }, "breach range API unavailable"),
    }),
    passwordPolicy: { minLength: config.passwordMinLength, maxLength: config.passwordMaxLength },
    importedHashCaps: config.importedHashCaps,
  });
  const apiKeys = createApiKeyService({
    keys: stores.apiKeys,
    tenants: stores.tenants,
    organizations: stores.organizations,
    pepper: config.auth.apiKeyPepper,
    evictFromCache: (id) => apiKeyAuth.evict(id),
    now,
  });
  const organizations = createOrganizationService({ store: stores.organizations, now });
  return { callers, identities, apiKeys, organizations };
}
