// The services built on the in-memory stores (src/store/memory/, which pass
// the same storage contract as the MongoDB stores): use-case tests that need
// no database. The password hasher is the real Argon2id one at its smallest
// cost; the breach check knows one password.
import { randomUUID } from "node:crypto";
import type { Caller, Scope } from "../../../src/auth/caller.js";
import { scopes } from "../../../src/auth/caller.js";
import type { AppError } from "../../../src/domain/errors.js";
import { emptyIdentityFields, type IdentityFields } from "../../../src/domain/identity.js";
import { createPasswordHasher } from "../../../src/passwords/hasher.js";
import { defaultPasswordPolicy } from "../../../src/passwords/password-policy.js";
import { createApiKeyService } from "../../../src/services/api-keys/index.js";
import { createIdentityService } from "../../../src/services/identities/index.js";
import { createOrganizationService } from "../../../src/services/organizations/index.js";
import type { Stores } from "../../../src/store/interfaces.js";
import { createMemoryStores } from "../../../src/store/memory/index.js";

export const breachedPassword = "password123";

/** The cheapest Argon2id; `timeCost` above it makes earlier hashes "older parameters". */
export const cheapArgon2 = { memoryCost: 1024, timeCost: 1, parallelism: 1, maxConcurrent: 2, maxQueue: 64 };

export function memoryServices(overrides: Partial<Stores> = {}, argon2 = cheapArgon2) {
  const stores = { ...createMemoryStores(), ...overrides };
  const realHasher = createPasswordHasher(argon2);
  /** Every password hashed (the decoy hash of VerifyPassword included). */
  const hashed: string[] = [];
  const hasher = {
    hash: (password: string) => {
      hashed.push(password);
      return realHasher.hash(password);
    },
    verify: realHasher.verify,
    needsRehash: realHasher.needsRehash,
  };
  const identities = createIdentityService({
    store: stores.identities,
    organizations: stores.organizations,
    hasher,
    breach: { isBreached: async (password) => password === breachedPassword },
    passwordPolicy: defaultPasswordPolicy,
  });
  const apiKeys = createApiKeyService({
    keys: stores.apiKeys,
    tenants: stores.tenants,
    organizations: stores.organizations,
    pepper: "p".repeat(32),
    evictFromCache: () => undefined,
  });
  const organizations = createOrganizationService({ store: stores.organizations });
  return { stores, identities, apiKeys, organizations, hashed };
}

/** A tenant-wide API key caller with every scope (or the given ones). */
export function admin(tenantId = `ten_${randomUUID()}`, granted: readonly Scope[] = scopes): Caller {
  return { kind: "api_key", subject: `key_${randomUUID()}`, tenantId, scopes: new Set(granted) };
}

/** A caller bound to one organization of the tenant. */
export function orgBound(tenantId: string, organizationId: string, granted: readonly Scope[] = scopes): Caller {
  return { ...admin(tenantId, granted), organizationId };
}

export const bootstrap: Caller = { kind: "bootstrap", subject: "bootstrap", tenantId: "", scopes: new Set(scopes) };

export function fields(overrides: Partial<IdentityFields> = {}): IdentityFields {
  return { ...emptyIdentityFields(), email: `${randomUUID()}@example.com`, ...overrides };
}

/** The AppError a call fails with (fails the test when it succeeds or throws anything else). */
export async function failure(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof Error && err.name === "AppError") return err as AppError;
    throw err;
  }
  throw new Error("expected the call to fail");
}
