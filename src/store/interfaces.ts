// The store interfaces in one place. Each is honoured by two implementations:
// MongoDB (src/store/*-store.ts, production) and in memory (src/store/memory/,
// for fast service-level tests). The interfaces are declared beside their
// MongoDB implementation; what they promise (uniqueness per tenant, keyset
// page order, version-guarded writes, idempotency leases, expiry) is written
// down as the contract suites in test/contract/, which both implementations
// run: a behaviour the services rely on belongs in a suite there.
import type { ApiKeyStore } from "./api-key-store.js";
import type { IdempotencyStore } from "./idempotency-store.js";
import type { IdentityStore } from "./identity-store.js";
import type { OrganizationStore } from "./organization-store.js";
import type { RateLimitStore } from "./rate-limit-store.js";
import type { TenantStore } from "./tenant-store.js";

export type { ApiKeyStore } from "./api-key-store.js";
export type { BeginResult, IdempotencyStore, IdempotencyStoreOptions, StoredOutcome } from "./idempotency-store.js";
export type { IdentityListFilter, ListCursor } from "./identity-queries.js";
export type { IdentityStore, InsertResult, StoredCredentials, UniqueField, UpdateResult } from "./identity-store.js";
export type { InsertOrganizationResult, OrganizationStore } from "./organization-store.js";
export type { Page, PageRequest } from "./paging.js";
export type { RateLimitStore, UsageIncrement } from "./rate-limit-store.js";
export type { TenantStore } from "./tenant-store.js";

/** Every store the app is built from. */
export interface Stores {
  readonly identities: IdentityStore;
  readonly organizations: OrganizationStore;
  readonly apiKeys: ApiKeyStore;
  readonly tenants: TenantStore;
  readonly idempotency: IdempotencyStore;
  readonly rateLimits: RateLimitStore;
}
