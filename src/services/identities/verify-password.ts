// VerifyPassword, for internal login services: {email or id, password} →
// valid. Every outcome costs one Argon2id verify: an unknown (or invisible)
// identity and one without a password are verified against a decoy hash, so
// response time does not reveal which identities exist. Inactive identities
// are verified too (same cost) and answer false. On success with a hash older
// than the configured parameters, the hash is upgraded (guarded by the old
// hash, so a concurrent SetPassword wins).
//
// Scope (declared on the RPC in the proto): the read scope. A login service
// must not need the right to change users; the answer is one bit about a
// password, less than what a read of the user discloses. (A narrower dedicated scope would be better still once
// the scope set grows; see the issue-6 notes.)
import type { Caller } from "../../auth/caller.js";
import { canSeeIdentity, requireTenantCaller } from "../../auth/permissions.js";
import { validationError, type Violation } from "../../domain/errors.js";
import type { IdentityDeps } from "./deps.js";

export interface VerifyPasswordInput {
  readonly email: string;
  readonly id: string;
  readonly password: string;
}

export interface VerifyPasswordResult {
  readonly valid: boolean;
  /** Whether the stored hash was upgraded to the configured parameters (for tests and metrics). */
  readonly rehashed: boolean;
}

export async function verifyPassword(deps: IdentityDeps, caller: Caller, input: VerifyPasswordInput): Promise<VerifyPasswordResult> {
  requireTenantCaller(caller);
  const violations: Violation[] = [];
  if ((input.email === "") === (input.id === "")) {
    violations.push({ field: "email", code: "AVNOLOGY_AUTH_902", message: "exactly one of email or id is required" });
  }
  if (input.password === "") violations.push({ field: "password", code: "AVNOLOGY_AUTH_902", message: "is required" });
  if (violations.length > 0) throw validationError(violations);

  const found = await deps.store.findCredentials(caller.tenantId, input.id !== "" ? { id: input.id } : { email: input.email });
  const usable = found !== null && found.passwordHash !== null && canSeeIdentity(caller, found.identity);
  const hash = usable ? found.passwordHash! : await deps.decoyHash();
  const matches = await deps.hasher.verify(hash, input.password);
  if (!usable || !matches || found.identity.state !== "active") return { valid: false, rehashed: false };

  let rehashed = false;
  if (deps.hasher.needsRehash(hash)) {
    // Best effort: a full hashing queue or a lost race must not fail a login.
    rehashed = await deps.hasher
      .hash(input.password)
      .then((newHash) => deps.store.replacePasswordHash(caller.tenantId, found.identity.id, found.identity.version, hash, newHash))
      .catch(() => false);
  }
  return { valid: true, rehashed };
}
