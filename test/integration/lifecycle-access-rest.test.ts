// The lifecycle RPCs over REST with real keys: an org-bound key sees and
// changes only its organization's identities, admin_metadata is for tenant
// admins only, and a read-only key cannot write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { createKey, createOrganization, createOrgBoundKey, type TestKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let bound: TestKey & { organizationId: string };
let readOnly: TestKey;
let mine: { id: string; etag: string };
let theirs: { id: string };

const call = (method: string, path: string, body: unknown, auth: Readonly<Record<string, string>>) =>
  rest(server.baseUrl, method, path, body, auth);

beforeAll(async () => {
  server = await startTestServer();
  bound = await createOrgBoundKey(server);
  readOnly = await createKey(server, { name: "read only", scopes: ["admin:users:read"] });
  await createOrganization(server, "org_elsewhere");
  const a = await call("POST", "/v1/identities", {
    identity: { email: "mine@bound.example.com", organization_id: bound.organizationId, admin_metadata: { tier: "gold" } },
    initial_password: "a long passphrase for this one",
  }, server.auth);
  const b = await call("POST", "/v1/identities", { identity: { email: "theirs@elsewhere.example.com", organization_id: "org_elsewhere" } }, server.auth);
  expect([a.status, b.status], a.text).toEqual([201, 201]);
  mine = a.json;
  theirs = b.json;
});
afterAll(async () => {
  await server?.close();
});

describe("an organization-bound key over REST", () => {
  it("lists only its organization's identities, and never their admin_metadata", async () => {
    const res = await call("GET", "/v1/identities", undefined, bound.auth);
    expect(res.status).toBe(200);
    const ids = res.json.identities.map((i: { id: string }) => i.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    for (const identity of res.json.identities) expect(identity.admin_metadata).toBeNull();
    const admin = await call("GET", `/v1/identities/${mine.id}`, undefined, server.auth);
    expect(admin.json.admin_metadata).toEqual({ tier: "gold" });
  });

  it.each([
    ["GET", (id: string) => `/v1/identities/${id}`, undefined],
    ["PATCH", (id: string) => `/v1/identities/${id}`, { display_name: "Hijacked" }],
    ["DELETE", (id: string) => `/v1/identities/${id}`, undefined],
    ["POST", (id: string) => `/v1/identities/${id}:setPassword`, { password: "another long passphrase" }],
  ] as const)("answers %s on another organization's identity with 404, exactly like a missing one", async (method, path, body) => {
    const res = await call(method, path(theirs.id), body, bound.auth);
    const missing = await call(method, path("usr_00000000-0000-4000-8000-000000000000"), body, bound.auth);
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("AVNOLOGY_AUTH_040");
    expect(res.json.error.code).toBe(missing.json.error.code);
    expect((await server.db.collection<{ _id: string; display_name: string }>("identities").findOne({ _id: theirs.id }))?.display_name).toBe("");
  });

  it("updates its own identity, but gets 403 naming admin_metadata when it writes that", async () => {
    const ok = await call("PATCH", `/v1/identities/${mine.id}`, { display_name: "Mine" }, bound.auth);
    expect([ok.status, ok.json.display_name, ok.json.updated_by]).toEqual([200, "Mine", bound.id]);
    const denied = await call("PATCH", `/v1/identities/${mine.id}`, { admin_metadata: { tier: "free" } }, bound.auth);
    expect(denied.status).toBe(403);
    expect(denied.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field: "admin_metadata" } });
  });

  it("cannot move its identity to another organization", async () => {
    const res = await call("PATCH", `/v1/identities/${mine.id}?update_mask=organization_id`, { organization_id: "org_elsewhere" }, bound.auth);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("AVNOLOGY_AUTH_100");
  });
});

describe("a read-only key over REST", () => {
  it("reads and lists", async () => {
    expect((await call("GET", `/v1/identities/${mine.id}`, undefined, readOnly.auth)).status).toBe(200);
    expect((await call("GET", "/v1/identities", undefined, readOnly.auth)).status).toBe(200);
  });

  it.each([
    ["PATCH", `/v1/identities/ID`, { display_name: "Nope" }],
    ["DELETE", `/v1/identities/ID`, undefined],
    ["POST", `/v1/identities/ID:setPassword`, { password: "another long passphrase" }],
    ["POST", "/v1/identities", { identity: { email: "ro@example.com" } }],
  ] as const)("gets 403 AVNOLOGY_AUTH_100 for %s %s", async (method, path, body) => {
    const res = await call(method, path.replace("ID", mine.id), body, readOnly.auth);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("AVNOLOGY_AUTH_100");
  });
});
