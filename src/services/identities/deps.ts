// What the identity use cases need, passed in by the composition root.
import type { ImportedHashCaps } from "../../passwords/imported-hash.js";
import type { PasswordPolicy } from "../../passwords/password-policy.js";
import type { IdentityStore } from "../../store/interfaces.js";

export interface PasswordHashing {
  hash(password: string): Promise<string>;
  /** False for a wrong password; see src/passwords/hasher.ts. */
  verify(phc: string, password: string): Promise<boolean>;
  /** True when the stored hash's parameters are weaker than the configured ones. */
  needsRehash(phc: string): boolean;
}

export interface BreachCheck {
  isBreached(password: string): Promise<boolean>;
}

/** Whether an organization exists in a tenant (identity.organization_id must name one). */
export interface OrganizationLookup {
  exists(tenantId: string, organizationId: string): Promise<boolean>;
}

export interface IdentityDeps {
  readonly store: IdentityStore;
  readonly organizations: OrganizationLookup;
  readonly hasher: PasswordHashing;
  readonly breach: BreachCheck;
  readonly passwordPolicy: PasswordPolicy;
  /** Cost caps of imported password hashes (password_hash). */
  readonly importedHashCaps: ImportedHashCaps;
  readonly now: () => Date;
  readonly newId: () => string;
  /** A valid hash of a random secret, verified against for unknown identities (constant time). */
  readonly decoyHash: () => Promise<string>;
}
