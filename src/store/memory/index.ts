// Every store in memory, for service-level tests that need no database. They
// pass the same contract suites (test/contract/) as the MongoDB stores.
import type { IdempotencyStoreOptions, Stores } from "../interfaces.js";
import { createMemoryApiKeyStore } from "./api-key-store.js";
import { createMemoryIdempotencyStore } from "./idempotency-store.js";
import { createMemoryIdentityStore } from "./identity-store.js";
import { createMemoryOrganizationStore, createMemoryTenantStore } from "./organization-store.js";
import { createMemoryRateLimitStore } from "./rate-limit-store.js";

export { createMemoryApiKeyStore } from "./api-key-store.js";
export { createMemoryIdempotencyStore } from "./idempotency-store.js";
export { createMemoryIdentityStore } from "./identity-store.js";
export { createMemoryOrganizationStore, createMemoryTenantStore } from "./organization-store.js";
export { createMemoryRateLimitStore } from "./rate-limit-store.js";

const defaultIdempotency: IdempotencyStoreOptions = { retentionMs: 86_400_000, inProgressLeaseMs: 60_000 };

export function createMemoryStores(idempotency: IdempotencyStoreOptions = defaultIdempotency): Stores {
  return {
    identities: createMemoryIdentityStore(),
    organizations: createMemoryOrganizationStore(),
    apiKeys: createMemoryApiKeyStore(),
    tenants: createMemoryTenantStore(),
    idempotency: createMemoryIdempotencyStore(idempotency),
    rateLimits: createMemoryRateLimitStore(),
  };
}
