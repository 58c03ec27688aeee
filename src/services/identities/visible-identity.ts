// Reading the identity a use case is about, as the caller may see it:
// another tenant's identity (the store filters by tenant) and, for an
// org-bound caller, another organization's identity read exactly like a
// missing one (404), so ids cannot be probed.
import type { Caller } from "../../auth/caller.js";
import { canSeeIdentity } from "../../auth/permissions.js";
import type { Identity } from "../../domain/identity.js";
import type { IdentityDeps } from "./deps.js";
import { notFound } from "./identity-errors.js";

export async function findVisibleIdentity(deps: IdentityDeps, caller: Caller, id: string): Promise<Identity> {
  const identity = await deps.store.findById(caller.tenantId, id);
  if (!identity || !canSeeIdentity(caller, identity)) throw notFound(id);
  return identity;
}

/** How many times a write without an etag re-reads and retries after losing a race to another writer. */
export const maxUnconditionalAttempts = 10;

/** A short, growing, jittered pause before such a retry, so that racing writers spread out. */
export function retryPause(attempt: number): Promise<void> {
  const ms = Math.min(50, attempt * 5) + Math.random() * 10;
  return new Promise((resolve) => setTimeout(resolve, ms));
}
