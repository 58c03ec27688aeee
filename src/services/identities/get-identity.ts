// GetIdentity: another tenant's (or, for an org-bound caller, another
// organization's) identity reads exactly like a missing one.
import type { Caller } from "../../auth/caller.js";
import { canSeeIdentity, requireTenantCaller } from "../../auth/permissions.js";
import type { Identity } from "../../domain/identity.js";
import type { IdentityDeps } from "./deps.js";
import { notFound } from "./identity-errors.js";

export async function getIdentity(deps: IdentityDeps, caller: Caller, id: string): Promise<Identity> {
  requireTenantCaller(caller);
  const identity = await deps.store.findById(caller.tenantId, id);
  if (!identity || !canSeeIdentity(caller, identity)) throw notFound(id);
  return identity;
}
