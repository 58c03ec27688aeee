// The organization use cases, bound to their dependencies.
import { randomUUID } from "node:crypto";
import type { Caller } from "../../auth/caller.js";
import type { Organization } from "../../domain/organization.js";
import type { Page } from "../../store/paging.js";
import { createOrganization, type CreateOrganizationInput } from "./create-organization.js";
import type { OrganizationDeps } from "./deps.js";
import { getOrganization } from "./get-organization.js";
import { listOrganizations } from "./list-organizations.js";

export type { CreateOrganizationInput } from "./create-organization.js";

export interface OrganizationUseCases {
  create(caller: Caller, input: CreateOrganizationInput): Promise<Organization>;
  get(caller: Caller, id: string): Promise<Organization>;
  list(caller: Caller, pageSize: number, pageToken: string): Promise<Page<Organization>>;
}

export function createOrganizationService(
  deps: Omit<OrganizationDeps, "now" | "newId"> & Partial<Pick<OrganizationDeps, "now" | "newId">>,
): OrganizationUseCases {
  const full: OrganizationDeps = { now: () => new Date(), newId: () => `org_${randomUUID()}`, ...deps };
  return {
    create: (caller, input) => createOrganization(full, caller, input),
    get: (caller, id) => getOrganization(full, caller, id),
    list: (caller, pageSize, pageToken) => listOrganizations(full, caller, pageSize, pageToken),
  };
}
