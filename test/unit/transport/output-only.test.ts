// Output-only fields (google.api.field_behavior) are found from the contract,
// nested messages of ours included; the per-type plan is cached, so a second
// call on the same type must answer exactly like the first.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { CreateIdentityRequestSchema, UpdateIdentityRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { CreateOrganizationRequestSchema } from "../../../gen/avnology/identity/v1/organization_service_pb.js";
import { outputOnlyViolations } from "../../../src/transport/output-only.js";

const cases = [
  { name: "nothing output-only set", schema: CreateIdentityRequestSchema, init: { identity: { email: "a@example.com" } }, fields: [] },
  {
    name: "id and created_at on a create",
    schema: CreateIdentityRequestSchema,
    init: { identity: { id: "usr_x", email: "a@example.com", createdAt: timestampFromDate(new Date(0)) } },
    fields: ["identity.id", "identity.created_at"],
  },
  {
    name: "every output-only field of an identity",
    schema: UpdateIdentityRequestSchema,
    init: { identity: { id: "usr_x", createdAt: timestampFromDate(new Date(0)), updatedAt: timestampFromDate(new Date(0)), createdBy: "a", updatedBy: "b" } },
    fields: ["identity.id", "identity.created_at", "identity.updated_at", "identity.created_by", "identity.updated_by"],
  },
  { name: "no identity at all", schema: CreateIdentityRequestSchema, init: {}, fields: [] },
  {
    name: "an organization's id and created_by",
    schema: CreateOrganizationRequestSchema,
    init: { organization: { id: "org_x", name: "n", createdBy: "k" } },
    fields: ["organization.id", "organization.created_by"],
  },
] as const;

describe("outputOnlyViolations", () => {
  it.each(cases)("$name", ({ schema, init, fields }) => {
    const message = create(schema as never, init as never);
    for (let call = 0; call < 2; call++) {
      const violations = outputOnlyViolations(schema, message, "");
      expect(violations.map((v) => v.field)).toEqual(fields);
      for (const v of violations) expect(v).toMatchObject({ code: "AVNOLOGY_AUTH_902", message: "is output only and cannot be set" });
    }
  });
});
