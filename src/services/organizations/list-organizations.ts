// ListOrganizations, ordered by id; an organization-bound caller sees only
// its own organization.
import type { Caller } from "../../auth/caller.js";
import { requireTenantCaller } from "../../auth/permissions.js";
import type { Organization } from "../../domain/organization.js";
import type { Page } from "../../store/paging.js";
import { pageRequest } from "../paging.js";
import type { OrganizationDeps } from "./deps.js";

export async function listOrganizations(deps: OrganizationDeps, caller: Caller, pageSize: number, pageToken: string): Promise<Page<Organization>> {
  requireTenantCaller(caller); // the bootstrap key only creates tenants
  const page = pageRequest(pageSize, pageToken);
  if (caller.organizationId === undefined) return deps.store.list(caller.tenantId, page);
  const own = page.after === "" ? await deps.store.findById(caller.tenantId, caller.organizationId) : null;
  return { items: own === null ? [] : [own], nextPageToken: "" };
}
