// RevokeApiKey: sets revoked_at (once; revoking again answers the key as is)
// and evicts the key from this instance's cache. Other instances stop
// accepting it within their cache time (API_KEY_CACHE_TTL_MS).
import type { Caller } from "../../auth/caller.js";
import { requireCanGrantKey, requireTenantCaller } from "../../auth/permissions.js";
import type { ApiKey } from "../../domain/api-key.js";
import { AppError } from "../../domain/errors.js";
import type { ApiKeyDeps } from "./deps.js";

export async function revokeApiKey(deps: ApiKeyDeps, caller: Caller, id: string): Promise<ApiKey> {
  requireTenantCaller(caller);
  const key = await deps.keys.findById(caller.tenantId, id);
  // Another organization's key reads like a missing one, as for identities.
  if (key === null || (caller.organizationId !== undefined && key.organizationId !== caller.organizationId)) {
    throw new AppError("AVNOLOGY_AUTH_043", { field: "id", value: id });
  }
  // A caller may revoke only keys it could have created: otherwise a narrow
  // key could lock the tenant's admins out.
  requireCanGrantKey(caller, { scopes: key.scopes, organizationId: key.organizationId });
  const revoked = await deps.keys.revoke(caller.tenantId, id, deps.now());
  deps.evictFromCache(id);
  if (revoked === null) throw new AppError("AVNOLOGY_AUTH_043", { field: "id", value: id });
  return revoked;
}
