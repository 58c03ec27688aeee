// GetOrganization: another tenant's organization, and for an
// organization-bound caller any organization but its own, reads exactly
// like a missing one.
import type { Caller } from "../../auth/caller.js";
import { requireTenantCaller } from "../../auth/permissions.js";
import { AppError } from "../../domain/errors.js";
import type { Organization } from "../../domain/organization.js";
import type { OrganizationDeps } from "./deps.js";

export async function getOrganization(deps: OrganizationDeps, caller: Caller, id: string): Promise<Organization> {
  requireTenantCaller(caller); // the bootstrap key only creates tenants
  const visible = caller.organizationId === undefined || caller.organizationId === id;
  const organization = visible ? await deps.store.findById(caller.tenantId, id) : null;
  if (organization === null) throw new AppError("AVNOLOGY_AUTH_041", { field: "id", value: id });
  return organization;
}
