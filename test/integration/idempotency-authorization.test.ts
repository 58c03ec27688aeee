// Issue 9 item 2: an idempotent replay answers only a caller that may make
// the call now. The attack: an organization-bound, read-only OAuth token whose
// `sub` equals an earlier tenant-admin token's `sub` resent the admin's create
// with its Idempotency-Key and got 201 with another organization's identity
// and its admin_metadata; a token whose `sub` equals an API key id replayed
// that key's answers. Each case asserts what a fresh call by that caller gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { startTestIssuer, type TestIssuer } from "../support/oauth.js";
import { rest } from "../support/rest.js";
import { createOrganization, type AuthHeaders } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let issuer: TestIssuer;
let orgA: string;
let orgB: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await startTestServer(issuer.env);
  orgA = await createOrganization(server, "org_replay-a");
  orgB = await createOrganization(server, "org_replay-b");
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

const allWrite = "admin:users:write admin:users:read admin:keys:write admin:orgs:write admin:orgs:read";

async function tokenAuth(claims: { sub: string; scope: string; org_id?: string }): Promise<AuthHeaders> {
  return { authorization: `Bearer ${await issuer.token({ tenant_id: server.tenantId, ...claims })}` };
}

const createIdentity = (auth: AuthHeaders, key: string, identity: object) =>
  rest(server.baseUrl, "POST", "/v1/identities", { identity }, { ...auth, "Idempotency-Key": key });

describe("a replay to a caller that shares the subject but not the rights", () => {
  it("the attack: an org-bound read-only token resending a tenant admin's create gets 403, never the identity or its admin_metadata", async () => {
    const admin = await tokenAuth({ sub: "shared-sub-1", scope: allWrite });
    const body = { email: "attack.1@example.com", organization_id: orgB, admin_metadata: { plan: "gold" } };
    const first = await createIdentity(admin, "attack-key-1", body);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ organization_id: orgB, admin_metadata: { plan: "gold" }, created_by: "oauth:shared-sub-1" });

    const reader = await tokenAuth({ sub: "shared-sub-1", scope: "admin:users:read", org_id: orgA });
    const replayed = await createIdentity(reader, "attack-key-1", body);
    expect(replayed.status).toBe(403);
    expect(replayed.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100" });
    expect(replayed.text).not.toContain(first.json.id);
    expect(replayed.text).not.toContain("gold");
    expect(replayed.headers.get("idempotent-replayed")).toBeNull();
    // Exactly what a fresh call with a new key gets, and a GET of it is 404.
    const fresh = await createIdentity(reader, "attack-key-fresh", body);
    expect({ status: replayed.status, error: replayed.json.error }).toEqual({ status: fresh.status, error: fresh.json.error });
    expect((await rest(server.baseUrl, "GET", `/v1/identities/${first.json.id}`, undefined, reader)).status).toBe(404);
  });

  it.each<[string, object, string]>([
    // (The table is built before beforeAll runs: the organization's id as a literal.)
    ["naming another organization", { email: "attack.2@example.com", organization_id: "org_replay-b" }, "organization_id"],
    ["setting admin_metadata", { email: "attack.3@example.com", admin_metadata: { plan: "gold" } }, "admin_metadata"],
    ["setting state", { email: "attack.4@example.com", state: "inactive" }, "state"],
  ])("an org-bound writer resending an admin's create %s gets the 403 a fresh call gets", async (_name, body, field) => {
    const key = `attack-key-${field}`;
    const admin = await tokenAuth({ sub: `shared-sub-${field}`, scope: allWrite });
    expect((await createIdentity(admin, key, body)).status).toBe(201);
    const writer = await tokenAuth({ sub: `shared-sub-${field}`, scope: "admin:users:write admin:users:read", org_id: orgA });
    const replayed = await createIdentity(writer, key, body);
    expect(replayed.status).toBe(403);
    expect(replayed.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field } });
  });

  it("an org-bound writer resending an admin's plain create runs it afresh in its own organization (409 for the taken email), not a replay", async () => {
    const admin = await tokenAuth({ sub: "shared-sub-plain", scope: allWrite });
    const body = { email: "attack.plain@example.com" };
    const first = await createIdentity(admin, "attack-key-plain", body);
    expect(first.status).toBe(201);
    const writer = await tokenAuth({ sub: "shared-sub-plain", scope: "admin:users:write", org_id: orgA });
    const again = await createIdentity(writer, "attack-key-plain", body);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("AVNOLOGY_AUTH_014");
    expect(again.text).not.toContain(first.json.id);
  });

  it("a tenant-wide token of the same subject that lost users:write gets 403, not the replay", async () => {
    const admin = await tokenAuth({ sub: "shared-sub-downgraded", scope: allWrite });
    const body = { email: "attack.downgraded@example.com" };
    expect((await createIdentity(admin, "attack-key-downgraded", body)).status).toBe(201);
    const reader = await tokenAuth({ sub: "shared-sub-downgraded", scope: "admin:users:read" });
    const replayed = await createIdentity(reader, "attack-key-downgraded", body);
    expect(replayed.status).toBe(403);
    expect(replayed.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100" });
    expect(replayed.json.error.message).toContain("admin:users:write");
    // The admin itself still gets its replay.
    const own = await createIdentity(admin, "attack-key-downgraded", body);
    expect(own.status).toBe(201);
    expect(own.headers.get("idempotent-replayed")).toBe("true");
  });

  it("the same over Connect: no replay of an admin's create to a read-only token", async () => {
    const admin = await tokenAuth({ sub: "shared-sub-connect", scope: allWrite });
    const client = createClient(IdentityService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
    const request = { identity: { email: "attack.connect@example.com", adminMetadata: { plan: "gold" } }, requestId: "attack-key-connect" };
    await client.createIdentity(request, { headers: admin });
    const reader = await tokenAuth({ sub: "shared-sub-connect", scope: "admin:users:read", org_id: orgA });
    const err = await client.createIdentity(request, { headers: reader }).then(
      () => undefined,
      (e: unknown) => e as { code: number; rawMessage: string },
    );
    expect(err?.code).toBe(7); // PermissionDenied
  });

  it("an admin's update, resent by a read-only token of the same subject, gets 403", async () => {
    const admin = await tokenAuth({ sub: "shared-sub-update", scope: allWrite });
    const created = await createIdentity(admin, "attack-key-update-create", { email: "attack.update@example.com" });
    const patch = (auth: AuthHeaders) =>
      rest(server.baseUrl, "PATCH", `/v1/identities/${created.json.id}?update_mask=admin_metadata`, { admin_metadata: { vip: true } }, {
        ...auth,
        "Idempotency-Key": "attack-key-update",
      });
    expect((await patch(admin)).status).toBe(200);
    const reader = await tokenAuth({ sub: "shared-sub-update", scope: "admin:users:read" });
    const replayed = await patch(reader);
    expect(replayed.status).toBe(403);
    expect(replayed.text).not.toContain("vip");
  });

  it("an admin's CreateApiKey, resent by a token of the same subject without admin:keys:write, gets 403", async () => {
    const admin = await tokenAuth({ sub: "shared-sub-key", scope: allWrite });
    const createKey = (auth: AuthHeaders) =>
      rest(server.baseUrl, "POST", "/v1/api-keys", { name: "replayed key", scopes: ["admin:users:read"] }, { ...auth, "Idempotency-Key": "attack-key-apikey" });
    const first = await createKey(admin);
    expect(first.status).toBe(201);
    const reader = await tokenAuth({ sub: "shared-sub-key", scope: "admin:users:read" });
    const replayed = await createKey(reader);
    expect(replayed.status).toBe(403);
    expect(replayed.text).not.toContain(first.json.api_key.id);
  });
});

describe("token subjects are namespaced: oauth:<sub>", () => {
  it("a token whose sub equals an API key id cannot replay that key's answers, and is recorded as oauth:<sub>", async () => {
    const body = { email: "key.sub.1@example.com" };
    const byKey = await createIdentity(server.auth, "key-sub-key", body);
    expect(byKey.status).toBe(201);
    expect(byKey.json.created_by).toBe(server.adminKeyId);

    const impostor = await tokenAuth({ sub: server.adminKeyId, scope: allWrite });
    const again = await createIdentity(impostor, "key-sub-key", body);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(again.status).toBe(409); // ran afresh: the email is taken
    expect(again.json.error.code).toBe("AVNOLOGY_AUTH_014");

    const own = await createIdentity(impostor, "key-sub-own", { email: "key.sub.2@example.com" });
    expect(own.status).toBe(201);
    expect(own.json.created_by).toBe(`oauth:${server.adminKeyId}`);
    const stored = await server.db.collection("identities").findOne({ _id: own.json.id });
    expect(stored?.["created_by"]).toBe(`oauth:${server.adminKeyId}`);
  });

  it("a token whose sub is `bootstrap` is not the bootstrap key", async () => {
    const token = await tokenAuth({ sub: "bootstrap", scope: allWrite });
    const res = await createIdentity(token, "bootstrap-sub", { email: "bootstrap.sub@example.com" });
    expect(res.status).toBe(201);
    expect(res.json.created_by).toBe("oauth:bootstrap");
  });
});
