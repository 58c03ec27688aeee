// What the identity use cases need, passed in by the composition root.
import type { PasswordPolicy } from "../../passwords/password-policy.js";
import type { IdentityStore } from "../../store/identity-store.js";

export interface PasswordHashing {
  hash(password: string): Promise<string>;
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
  readonly now: () => Date;
  readonly newId: () => string;
}
