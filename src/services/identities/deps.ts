// What the identity use cases need, passed in by the composition root.
import type { PasswordPolicy } from "../../passwords/password-policy.js";
import type { IdentityStore } from "../../store/identity-store.js";

export interface PasswordHashing {
  hash(password: string): Promise<string>;
}

export interface BreachCheck {
  isBreached(password: string): Promise<boolean>;
}

export interface IdentityDeps {
  readonly store: IdentityStore;
  readonly hasher: PasswordHashing;
  readonly breach: BreachCheck;
  readonly passwordPolicy: PasswordPolicy;
  readonly now: () => Date;
  readonly newId: () => string;
}
