// ListApiKeys: the keys of the caller's tenant (of its organization, for an
// organization-bound caller). Secrets are never stored, so never listed.
import type { Caller } from "../../auth/caller.js";
import { requireTenantCaller } from "../../auth/permissions.js";
import type { ApiKey } from "../../domain/api-key.js";
import type { Page } from "../../store/paging.js";
import { pageRequest } from "../paging.js";
import type { ApiKeyDeps } from "./deps.js";

export async function listApiKeys(deps: ApiKeyDeps, caller: Caller, pageSize: number, pageToken: string): Promise<Page<ApiKey>> {
  requireTenantCaller(caller); // the bootstrap key only creates tenants
  return deps.keys.list(caller.tenantId, caller.organizationId, pageRequest(pageSize, pageToken));
}
