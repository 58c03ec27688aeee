// Callers bound to an organization (account-scoped-users.txt): they create
// and see identities of their organization only, cannot reach another one,
// cannot set admin-only fields, never see admin_metadata; every identity
// records who created it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIssuer, type TestIssuer } from "../support/oauth.js";
import { rest } from "../support/rest.js";
import { createOrganization, createOrgBoundKey, type AuthHeaders, type TestKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let issuer: TestIssuer;
let bound: TestKey & { organizationId: string };
let otherOrg: string;
let n = 0;

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await startTestServer(issuer.env);
  bound = await createOrgBoundKey(server);
  otherOrg = await createOrganization(server, "org_other");
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

const create = (auth: AuthHeaders, identity: object) =>
  rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: `org.bound.${++n}@example.com`, ...identity } }, auth);
const get = (auth: AuthHeaders, id: string) => rest(server.baseUrl, "GET", `/v1/identities/${id}`, undefined, auth);

describe("an organization-bound key", () => {
  it("creates in its own organization by default and records itself as created_by", async () => {
    const res = await create(bound.auth, {});
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ organization_id: bound.organizationId, created_by: bound.id });
    const stored = await server.db.collection("identities").findOne({ _id: res.json.id });
    expect(stored?.["created_by"]).toBe(bound.id);
  });

  it("may name its own organization", async () => {
    const res = await create(bound.auth, { organization_id: bound.organizationId });
    expect(res.status).toBe(201);
  });

  it.each([
    ["another existing organization", "org_other"],
    ["an organization that does not exist", "org_does-not-exist"],
  ])("gets 403 AVNOLOGY_AUTH_100 naming %s", async (_name, org) => {
    const res = await create(bound.auth, { organization_id: org });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field: "organization_id" } });
  });

  it.each<[string, object]>([
    ["admin_metadata", { admin_metadata: { plan: "gold" } }],
    ["state", { state: "inactive" }],
    ["email_verified", { email_verified: true }],
    ["phone_verified", { phone: "+14155551234", phone_verified: true }],
  ])("gets 403 naming %s, an admin-only field, never a silent drop", async (field, identity) => {
    const res = await create(bound.auth, identity);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field } });
  });

  it("sees its organization's identities without admin_metadata, and others' as missing (404)", async () => {
    const inOwn = await create(server.auth, { organization_id: bound.organizationId, admin_metadata: { plan: "gold" } });
    const inOther = await create(server.auth, { organization_id: otherOrg });
    const noOrg = await create(server.auth, {});
    expect([inOwn.status, inOther.status, noOrg.status]).toEqual([201, 201, 201]);
    expect(inOwn.json.admin_metadata).toEqual({ plan: "gold" }); // the tenant admin sees it

    const own = await get(bound.auth, inOwn.json.id);
    expect(own.status).toBe(200);
    expect(own.json.admin_metadata).toBeNull();
    expect(own.text).not.toContain("gold");
    for (const id of [inOther.json.id, noOrg.json.id]) {
      const res = await get(bound.auth, id);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("AVNOLOGY_AUTH_040");
    }
  });

  it("sees only its own organization and cannot create organizations", async () => {
    expect((await rest(server.baseUrl, "GET", `/v1/organizations/${bound.organizationId}`, undefined, bound.auth)).status).toBe(200);
    const other = await rest(server.baseUrl, "GET", `/v1/organizations/${otherOrg}`, undefined, bound.auth);
    expect(other.status).toBe(404);
    expect(other.json.error.code).toBe("AVNOLOGY_AUTH_041");
    const list = await rest(server.baseUrl, "GET", "/v1/organizations", undefined, bound.auth);
    expect(list.json.organizations.map((o: { id: string }) => o.id)).toEqual([bound.organizationId]);
  });
});

describe("a tenant-wide admin", () => {
  it("may set admin-only fields at creation (imports of verified users)", async () => {
    const res = await create(server.auth, {
      organization_id: otherOrg,
      admin_metadata: { imported: true },
      state: "inactive",
      email_verified: true,
      phone: "+14155551234",
      phone_verified: true,
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      organization_id: otherOrg,
      admin_metadata: { imported: true },
      state: "inactive",
      email_verified: true,
      phone_verified: true,
      created_by: server.adminKeyId,
    });
  });

  it("gets 400 AVNOLOGY_AUTH_902 on organization_id for an organization its tenant does not have", async () => {
    const res = await create(server.auth, { organization_id: "org_missing" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "organization_id", value: "org_missing" } });
  });
});

describe("an organization-bound OAuth token", () => {
  it("lands identities in the token's organization, attributed to the token subject", async () => {
    const token = await issuer.token({
      sub: "auth0|user-7",
      tenant_id: server.tenantId,
      org_id: bound.organizationId,
      scope: "admin:users:write admin:users:read",
    });
    const auth = { authorization: `Bearer ${token}` };
    const res = await create(auth, {});
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ organization_id: bound.organizationId, created_by: "oauth:auth0|user-7" });
    const denied = await create(auth, { organization_id: otherOrg });
    expect(denied.status).toBe(403);
    const adminOnly = await create(auth, { admin_metadata: {} });
    expect(adminOnly.json.error.details.field).toBe("admin_metadata");
  });
});
