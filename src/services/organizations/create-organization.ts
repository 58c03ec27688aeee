// CreateOrganization (AIP-133): the id is `org_<uuid>` unless the caller
// chooses one (query parameter organization_id), e.g. to keep an existing
// account id. Ids are unique per tenant; a taken one is 409.
import type { Caller } from "../../auth/caller.js";
import { requireTenantCaller } from "../../auth/permissions.js";
import { AppError, validationError, type Violation } from "../../domain/errors.js";
import { nameViolation, organizationIdViolation, type Organization } from "../../domain/organization.js";
import type { NewIdPlan } from "../new-id-plan.js";
import type { OrganizationDeps } from "./deps.js";

export interface CreateOrganizationInput {
  readonly name: string;
  /** "" = let the server make one. */
  readonly organizationId: string;
  readonly transportViolations?: readonly Violation[];
  /** Present for a call with an idempotency key (src/services/new-id-plan.ts). */
  readonly newIdPlan?: NewIdPlan | undefined;
}

/** A tenant-wide caller (the scope step checked orgs:write): organizations are tenant-level, a caller bound to one cannot make others. */
export function authorizeCreateOrganization(caller: Caller): void {
  requireTenantCaller(caller); // the bootstrap key only creates tenants
  if (caller.organizationId !== undefined) {
    throw new AppError("AVNOLOGY_AUTH_100", { metadata: { reason: "organization_bound" } }, "An organization-bound caller cannot create organizations");
  }
}

export async function createOrganization(deps: OrganizationDeps, caller: Caller, input: CreateOrganizationInput): Promise<Organization> {
  authorizeCreateOrganization(caller);
  const violations: Violation[] = [...(input.transportViolations ?? [])];
  const name = nameViolation("organization.name", input.name);
  if (name) violations.push(name);
  if (input.organizationId !== "") {
    const id = organizationIdViolation("organization_id", input.organizationId);
    if (id) violations.push(id);
  }
  if (violations.length > 0) throw validationError(violations);

  // A retry that took over an interrupted run finishes that run (see createIdentity).
  const plannedId = input.newIdPlan?.plannedId;
  const ours = async (id: string) => {
    const found = await deps.store.findById(caller.tenantId, id);
    // A chosen id may have been taken by someone else meanwhile: only ours counts.
    return found !== null && found.createdBy === caller.subject ? found : null;
  };
  if (plannedId !== undefined) {
    const created = await ours(plannedId);
    if (created) return created;
  }
  const id = plannedId ?? (input.organizationId || deps.newId());
  if (plannedId === undefined) await input.newIdPlan?.plan(id);

  const organization: Organization = {
    id,
    tenantId: caller.tenantId,
    name: input.name.trim(),
    createdAt: deps.now(),
    createdBy: caller.subject,
  };
  const result = await deps.store.insert(organization);
  if (!result.ok) {
    const created = plannedId === undefined ? null : await ours(id);
    if (created) return created;
    throw new AppError("AVNOLOGY_AUTH_042", { field: "organization_id", value: organization.id });
  }
  return organization;
}
