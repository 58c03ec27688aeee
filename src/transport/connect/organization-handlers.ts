// OrganizationService handlers: convert the request, call the service,
// convert the response.
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CreateOrganizationRequestSchema,
  OrganizationService,
} from "../../../gen/avnology/identity/v1/organization_service_pb.js";
import type { OrganizationUseCases } from "../../services/organizations/index.js";
import { newIdPlanOf } from "../pipeline/planned-id.js";
import { callerOf } from "../caller-context.js";
import { outputOnlyViolations } from "../output-only.js";
import { organizationToMessage } from "./organization-convert.js";

export function createOrganizationHandlers(organizations: OrganizationUseCases): ServiceImpl<typeof OrganizationService> {
  return {
    async createOrganization(request, ctx) {
      const organization = await organizations.create(callerOf(ctx), {
        name: request.organization?.name ?? "",
        organizationId: request.organizationId,
        transportViolations: outputOnlyViolations(CreateOrganizationRequestSchema, request, ""),
        newIdPlan: newIdPlanOf(ctx),
      });
      return organizationToMessage(organization);
    },

    async getOrganization(request, ctx) {
      return organizationToMessage(await organizations.get(callerOf(ctx), request.id));
    },

    async listOrganizations(request, ctx) {
      const page = await organizations.list(callerOf(ctx), request.pageSize, request.pageToken);
      return { organizations: page.items.map(organizationToMessage), nextPageToken: page.nextPageToken };
    },
  };
}
