// The replay rules: the services' authorization run again on the request,
// and a stored identity rendered as a GET by the replaying caller would.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { IdentitySchema } from "../../../gen/avnology/identity/v1/identity_pb.js";
import { CreateApiKeyResponseSchema } from "../../../gen/avnology/identity/v1/api_key_service_pb.js";
import { CreateIdentityRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { CreateOrganizationRequestSchema } from "../../../gen/avnology/identity/v1/organization_service_pb.js";
import { scopes, type Caller, type Scope } from "../../../src/auth/caller.js";
import { AppError } from "../../../src/domain/errors.js";
import { apiKeyReplayRules, identityReplayRules, organizationReplayRules } from "../../../src/transport/connect/replay-rules.js";

const caller = (overrides: Partial<Caller> = {}): Caller => ({
  kind: "oauth",
  subject: "oauth:alice",
  tenantId: "ten_1",
  scopes: new Set<Scope>(scopes),
  ...overrides,
});
const admin = caller();
const orgWriter = caller({ organizationId: "org_a", scopes: new Set<Scope>(["admin:users:write", "admin:users:read"]) });
const reader = caller({ scopes: new Set<Scope>(["admin:users:read"]) });

const codeOf = (run: () => unknown) => {
  try {
    run();
    return "ok";
  } catch (err) {
    return err instanceof AppError ? `${err.code} ${err.details.field ?? ""}`.trim() : String(err);
  }
};

describe("createIdentity replay rule", () => {
  const rule = identityReplayRules["createIdentity"]!;
  const request = (identity: object) => create(CreateIdentityRequestSchema, { identity, requestId: "k" });

  it.each<[string, Caller, object, string]>([
    ["an admin", admin, { email: "a@example.com", adminMetadata: { plan: "gold" } }, "ok"],
    // The RPC's scope is the pipeline's scope step's (it runs before any replay; scope-step.test.ts).
    ["a read-only caller (scope checked before, by the scope step)", reader, { email: "a@example.com" }, "ok"],
    ["an org-bound writer naming another organization", orgWriter, { email: "a@example.com", organizationId: "org_b" }, "AVNOLOGY_AUTH_100 organization_id"],
    ["an org-bound writer setting admin_metadata", orgWriter, { email: "a@example.com", adminMetadata: {} }, "AVNOLOGY_AUTH_100 admin_metadata"],
    ["an org-bound writer setting state", orgWriter, { email: "a@example.com", state: "inactive" }, "AVNOLOGY_AUTH_100 state"],
    ["an org-bound writer in its own organization", orgWriter, { email: "a@example.com", organizationId: "org_a" }, "ok"],
    ["the bootstrap key", caller({ kind: "bootstrap", subject: "bootstrap", tenantId: "" }), { email: "a@example.com" }, "AVNOLOGY_AUTH_101"],
  ])("authorizes %s as a fresh call would", (_name, who, identity, expected) => {
    expect(codeOf(() => rule.authorize(who, request(identity)))).toBe(expected);
  });

  it("renders a stored identity as a GET by the caller: 404 outside its organization, admin_metadata only for a tenant admin", () => {
    const stored = create(IdentitySchema, { id: "usr_1", organizationId: "org_b", adminMetadata: { plan: "gold" } });
    expect(codeOf(() => rule.visible!(orgWriter, stored))).toBe("AVNOLOGY_AUTH_040 id");
    const inOrgA = create(IdentitySchema, { id: "usr_2", organizationId: "org_a", adminMetadata: { plan: "gold" } });
    expect((rule.visible!(orgWriter, inOrgA) as typeof inOrgA).adminMetadata).toBeUndefined();
    expect((rule.visible!(admin, stored) as typeof stored).adminMetadata).toEqual({ plan: "gold" });
  });
});

describe("other replay rules", () => {
  it("CreateApiKey: an org-bound caller never receives another organization's key", () => {
    const keysWriter = caller({ organizationId: "org_a", scopes: new Set<Scope>(["admin:keys:write", "admin:users:read"]) });
    const stored = create(CreateApiKeyResponseSchema, { apiKey: { id: "key_1", organizationId: "", scopes: ["admin:users:read"] } });
    expect(codeOf(() => apiKeyReplayRules["createApiKey"]!.visible!(keysWriter, stored))).toBe("AVNOLOGY_AUTH_043 id");
  });

  it("CreateOrganization: an org-bound caller is refused", () => {
    expect(codeOf(() => organizationReplayRules["createOrganization"]!.authorize(orgWriter, create(CreateOrganizationRequestSchema)))).toBe("AVNOLOGY_AUTH_100");
  });
});
