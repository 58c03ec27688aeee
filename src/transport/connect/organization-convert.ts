// Conversions between the protobuf Organization and the domain Organization.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { OrganizationSchema } from "../../../gen/avnology/identity/v1/organization_pb.js";
import type { Organization } from "../../domain/organization.js";

export function organizationToMessage(organization: Organization): MessageInitShape<typeof OrganizationSchema> {
  return {
    id: organization.id,
    name: organization.name,
    createdAt: timestampFromDate(organization.createdAt),
    createdBy: organization.createdBy,
  };
}
