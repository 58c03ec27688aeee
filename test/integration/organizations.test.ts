// OrganizationService: create (server-made or AIP-133 caller-chosen ids),
// get, list; and the spec's example request once its organization exists.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrganizationSchema } from "../../gen/avnology/identity/v1/organization_pb.js";
import { CreateOrganizationRequestSchema, OrganizationService } from "../../gen/avnology/identity/v1/organization_service_pb.js";
import { createGrpcClient } from "../support/grpc-client.js";
import { rest, specExampleBody } from "../support/rest.js";
import { createTenant } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const post = (body: unknown, query = "") => rest(server.baseUrl, "POST", `/v1/organizations${query}`, body, server.auth);

describe("OrganizationService", () => {
  it("creates with a server-made org_<uuid> id and reads it back", async () => {
    const res = await post({ name: "  Acme Inc  " });
    expect(res.status).toBe(201);
    expect(res.json.id).toMatch(/^org_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.json).toMatchObject({ name: "Acme Inc", created_by: server.adminKeyId });
    const got = await rest(server.baseUrl, "GET", `/v1/organizations/${res.json.id}`, undefined, server.auth);
    expect(got.json).toEqual(res.json);
  });

  it("makes the spec's example request work once its organization exists (AIP-133 organization_id)", async () => {
    // A fresh tenant: the test server's own already has the example's organization.
    const tenant = await createTenant(server, "Fresh tenant");
    const body = specExampleBody("jane.org@example.com");
    const before = await rest(server.baseUrl, "POST", "/v1/identities", body, tenant.auth);
    expect(before.status).toBe(400);
    expect(before.json.error.details.field).toBe("organization_id");

    const org = await rest(server.baseUrl, "POST", `/v1/organizations?organization_id=${body.identity.organization_id}`, { name: "Example org" }, tenant.auth);
    expect(org.status).toBe(201);
    expect(org.json.id).toBe("org_7a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d");
    const after = await rest(server.baseUrl, "POST", "/v1/identities", body, tenant.auth);
    expect(after.status).toBe(201);
    expect(after.json.organization_id).toBe("org_7a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d");
  });

  it("answers 409 AVNOLOGY_AUTH_042 for a taken id", async () => {
    expect((await post({ name: "First" }, "?organization_id=org_kept-id")).status).toBe(201);
    const again = await post({ name: "Second" }, "?organization_id=org_kept-id");
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_042", details: { field: "organization_id", value: "org_kept-id" } });
  });

  it.each<[string, unknown, string, string]>([
    ["no name", {}, "", "name"],
    ["a blank name", { name: "   " }, "", "name"],
    ["an upper-case id", { name: "x" }, "?organization_id=org_ABC", "organization_id"],
    ["an id without org_", { name: "x" }, "?organization_id=acme", "organization_id"],
    ["an id of 65 characters", { name: "x" }, `?organization_id=org_${"a".repeat(65)}`, "organization_id"],
    ["an output-only id in the body", { name: "x", id: "org_mine" }, "", "id"],
  ])("answers 400 AVNOLOGY_AUTH_902 for %s", async (_name, body, query, field) => {
    const res = await post(body, query);
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field } });
  });

  it("accepts an id of 64 characters after org_", async () => {
    const id = `org_${"a1-".repeat(21)}b`;
    expect((await post({ name: "Long" }, `?organization_id=${id}`)).json.id).toBe(id);
  });

  it("lists organizations in id order, page by page", async () => {
    for (const id of ["org_list-c", "org_list-a", "org_list-b"]) await post({ name: id }, `?organization_id=${id}`);
    const seen: string[] = [];
    let token = "";
    do {
      const res = await rest(server.baseUrl, "GET", `/v1/organizations?page_size=2&page_token=${encodeURIComponent(token)}`, undefined, server.auth);
      expect(res.status).toBe(200);
      expect(res.json.organizations.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.organizations.map((o: { id: string }) => o.id));
      token = res.json.next_page_token;
    } while (token !== "");
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(["org_list-a", "org_list-b", "org_list-c"]));
  });

  it("creates over gRPC with the organization_id field", async () => {
    const client = createGrpcClient(OrganizationService, server.port);
    try {
      const result = await client.call("createOrganization", CreateOrganizationRequestSchema, OrganizationSchema, {
        organization: { name: "Via gRPC" },
        organizationId: "org_via-grpc",
      }, { ...server.auth });
      expect(result.response?.id).toBe("org_via-grpc");
      expect(result.response?.createdBy).toBe(server.adminKeyId);
    } finally {
      client.close();
    }
  });
});
