// GetIdentity: another tenant's (or, for an org-bound caller, another
// organization's) identity reads exactly like a missing one.
import type { Caller } from "../../auth/caller.js";
import { canSeeIdentity, requireTenantCaller } from "../../auth/permissions.js";
import { AppError } from "../../domain/errors.js";
import type { Identity } from "../../domain/identity.js";
import type { IdentityDeps } from "./deps.js";

export async function getIdentity(deps: IdentityDeps, caller: Caller, id: string): Promise<Identity> {
  requireTenantCaller(caller);
  const identity = await deps.store.findById(caller.tenantId, id);
  if (!identity || !canSeeIdentity(caller, identity)) throw new AppError("AVNOLOGY_AUTH_040", { field: "id", value: id });
  return identity;
}
