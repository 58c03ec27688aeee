// Two tenants on one server: uniqueness is per tenant, and another tenant's
// records read exactly like missing ones (404), on REST and gRPC.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { GetIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { createGrpcClient } from "../support/grpc-client.js";
import { rest } from "../support/rest.js";
import { createOrganization, createTenant, type TestKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let other: TestKey;

beforeAll(async () => {
  server = await startTestServer();
  other = await createTenant(server, "Other Corp");
});
afterAll(async () => {
  await server?.close();
});

const createIdentity = (auth: Readonly<Record<string, string>>, identity: object) =>
  rest(server.baseUrl, "POST", "/v1/identities", { identity }, auth);

/** The error body without the echoed value, which names the id asked for. */
const errorShape = (json: { error: { details: Record<string, unknown> } }) => ({ ...json.error, details: { ...json.error.details, value: "<id>" } });

describe("tenant isolation", () => {
  it("allows the same email, username and external_id in two tenants", async () => {
    const identity = { email: "same.person@example.com", username: "same_person", external_id: "cust-1" };
    const a = await createIdentity(server.auth, identity);
    const b = await createIdentity(other.auth, identity);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json.id).not.toBe(b.json.id);
    // ... and still refuses the duplicate inside one tenant.
    expect((await createIdentity(other.auth, { email: "Same.Person@example.com" })).status).toBe(409);
  });

  it("answers another tenant's identity exactly like a missing one", async () => {
    const mine = await createIdentity(server.auth, { email: "only.mine@example.com" });
    const cross = await rest(server.baseUrl, "GET", `/v1/identities/${mine.json.id}`, undefined, other.auth);
    const missing = await rest(server.baseUrl, "GET", "/v1/identities/usr_00000000-0000-4000-8000-000000000000", undefined, other.auth);
    expect(cross.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(errorShape(cross.json)).toEqual(errorShape(missing.json));
    expect(cross.json.error.code).toBe("AVNOLOGY_AUTH_040");

    const client = createGrpcClient(IdentityService, server.port);
    try {
      const result = await client.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: mine.json.id }, { ...other.auth });
      expect(result.error?.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });

  it("keeps organization ids per tenant: the same id in both, 409 only within one, 404 across", async () => {
    expect(await createOrganization(server, "org_shared-id")).toBe("org_shared-id");
    expect(await createOrganization(server, "org_shared-id", other.auth)).toBe("org_shared-id");
    const taken = await rest(server.baseUrl, "POST", "/v1/organizations?organization_id=org_shared-id", { name: "Again" }, other.auth);
    expect(taken.status).toBe(409);
    expect(taken.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_042", details: { field: "organization_id", value: "org_shared-id" } });

    const onlyMine = await createOrganization(server, "org_only-mine");
    const cross = await rest(server.baseUrl, "GET", `/v1/organizations/${onlyMine}`, undefined, other.auth);
    const missing = await rest(server.baseUrl, "GET", "/v1/organizations/org_never-made", undefined, other.auth);
    expect(cross.status).toBe(404);
    expect(errorShape(cross.json)).toEqual(errorShape(missing.json));

    const list = await rest(server.baseUrl, "GET", "/v1/organizations", undefined, other.auth);
    expect(list.json.organizations.map((o: { id: string }) => o.id)).toEqual(["org_shared-id"]);
  });

  it("refuses an identity.organization_id of another tenant with 400 AVNOLOGY_AUTH_902 on that field", async () => {
    const org = await createOrganization(server, "org_tenant-a-only");
    const res = await createIdentity(other.auth, { email: "wrong.org@example.com", organization_id: org });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "organization_id", value: org } });
    expect(res.json.error.details.violations).toEqual([
      { field: "identity.organization_id", code: "AVNOLOGY_AUTH_902", message: "does not name an organization of this tenant" },
    ]);
  });

  it("keeps keys apart: no listing, no revoking across tenants", async () => {
    const list = await rest(server.baseUrl, "GET", "/v1/api-keys", undefined, other.auth);
    const ids = list.json.api_keys.map((k: { id: string }) => k.id);
    expect(ids).toContain(other.id);
    expect(ids).not.toContain(server.adminKeyId);
    const revoke = await rest(server.baseUrl, "DELETE", `/v1/api-keys/${server.adminKeyId}`, undefined, other.auth);
    expect(revoke.status).toBe(404);
    expect(revoke.json.error.code).toBe("AVNOLOGY_AUTH_043");
  });
});
