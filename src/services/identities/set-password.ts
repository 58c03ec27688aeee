// SetPassword: the same policy, breach check and Argon2id queue as
// CreateIdentity's initial_password, then a write guarded by the version read
// (retried on a fresh read if another writer got in between), so the policy
// was checked against the email/username actually stored beside the hash.
import type { Caller } from "../../auth/caller.js";
import { requireTenantCaller } from "../../auth/permissions.js";
import { validationError } from "../../domain/errors.js";
import { emailLocalPart, type Identity } from "../../domain/identity.js";
import { checkPasswordPolicy } from "../../passwords/password-policy.js";
import type { IdentityDeps } from "./deps.js";
import { breachedPassword, concurrentlyModified } from "./identity-errors.js";
import { findVisibleIdentity, maxUnconditionalAttempts, retryPause } from "./visible-identity.js";

export async function setPassword(deps: IdentityDeps, caller: Caller, id: string, password: string): Promise<Identity> {
  requireTenantCaller(caller);
  for (let attempt = 1; ; attempt++) {
    const current = await findVisibleIdentity(deps, caller, id);
    const violations = checkPasswordPolicy(
      password,
      { emailLocalPart: emailLocalPart(current.email), username: current.username },
      deps.passwordPolicy,
      "password",
    );
    if (violations.length > 0) throw validationError(violations);
    if (await deps.breach.isBreached(password)) {
      throw breachedPassword("password");
    }
    const passwordHash = await deps.hasher.hash(password);
    const change = { passwordHash, updatedAt: deps.now(), updatedBy: caller.subject };
    if (await deps.store.setPasswordHash(caller.tenantId, id, current.version, change)) {
      return { ...current, updatedAt: change.updatedAt, updatedBy: change.updatedBy, version: current.version + 1 };
    }
    if (attempt >= maxUnconditionalAttempts) {
      throw concurrentlyModified("id", id);
    }
    await retryPause(attempt);
  }
}

