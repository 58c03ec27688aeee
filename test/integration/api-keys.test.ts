// ApiKeyService end to end: the secret is shown once and stored only as a
// peppered digest, keys are never wider than their creator, revocation and
// expiry, the cache's revocation bound, last_used_at at most once a minute,
// and the failed-auth throttle.
import { createHmac } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService, ListApiKeysRequestSchema, ListApiKeysResponseSchema } from "../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { GetIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { rest } from "../support/rest.js";
import { createKey, createOrgBoundKey, type AuthHeaders } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** A call that needs only admin:users:read; 404 for this id proves authentication passed. */
const probe = (auth: AuthHeaders, on: TestServer = server) =>
  rest(on.baseUrl, "GET", "/v1/identities/usr_00000000-0000-4000-8000-000000000000", undefined, auth);

const waitFor = async (condition: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("creating a key", () => {
  it("answers the secret once and stores only its peppered HMAC digest", async () => {
    const res = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "CI deploy", scopes: ["admin:users:read"] }, server.auth);
    expect(res.status).toBe(201);
    const secret: string = res.json.secret;
    expect(secret).toMatch(/^ak_live_[A-Za-z0-9_-]{43}$/);
    expect(res.json.api_key).toMatchObject({
      name: "CI deploy",
      tenant_id: server.tenantId,
      scopes: ["admin:users:read"],
      organization_id: "",
      created_by: server.adminKeyId,
      last_used_at: null,
      revoked_at: null,
      expires_at: null,
    });
    expect(res.json.api_key.id).toMatch(/^key_[0-9a-f-]{36}$/);

    const doc = await server.db.collection("api_keys").findOne({ _id: res.json.api_key.id });
    const stored = JSON.stringify(doc);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice("ak_live_".length));
    expect(doc?.["secret_digest"]).toBe(createHmac("sha256", server.config.auth.apiKeyPepper).update(secret).digest("hex"));

    expect((await probe({ authorization: `Bearer ${secret}` })).status).toBe(404);

    const list = await rest(server.baseUrl, "GET", "/v1/api-keys", undefined, server.auth);
    expect(list.status).toBe(200);
    expect(list.json.api_keys.map((k: { id: string }) => k.id)).toContain(res.json.api_key.id);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toMatch(/secret/);
  });

  it.each<[string, object, string]>([
    ["no name", { scopes: ["admin:users:read"] }, "name"],
    ["no scopes", { name: "k" }, "scopes"],
    ["an unknown scope", { name: "k", scopes: ["admin:everything"] }, "scopes"],
    ["an expiry in the past", { name: "k", scopes: ["admin:users:read"], expires_at: "2020-01-01T00:00:00Z" }, "expires_at"],
    ["a malformed organization", { name: "k", scopes: ["admin:users:read"], organization_id: "ORG" }, "organization_id"],
    ["an organization the tenant does not have", { name: "k", scopes: ["admin:users:read"], organization_id: "org_nope" }, "organization_id"],
    ["an output-only field", { name: "k", scopes: ["admin:users:read"], created_by: "me" }, "created_by"],
  ])("answers 400 AVNOLOGY_AUTH_902 for %s", async (_name, body, field) => {
    const res = await rest(server.baseUrl, "POST", "/v1/api-keys", body, server.auth);
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field } });
  });

  it("never grants a scope the creator does not hold (no self-escalation)", async () => {
    const manager = await createKey(server, { name: "manager", scopes: ["admin:keys:write", "admin:users:read"] });
    const res = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "escalate", scopes: ["admin:users:write"] }, manager.auth);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field: "scopes" } });
    const ok = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "narrower", scopes: ["admin:users:read"] }, manager.auth);
    expect(ok.status).toBe(201);
  });

  it("binds an org-bound caller's keys to its organization and refuses any other reach", async () => {
    const bound = await createOrgBoundKey(server);
    const own = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "child", scopes: ["admin:users:read"] }, bound.auth);
    expect(own.status).toBe(201);
    expect(own.json.api_key.organization_id).toBe(bound.organizationId);
    const other = await createOrgBoundKey(server);
    const res = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "x", scopes: ["admin:users:read"], organization_id: other.organizationId }, bound.auth);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field: "organization_id" } });
  });

  it("lets the bootstrap key create tenants only: no bound keys, no listing, no revoking", async () => {
    const bound = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "T", scopes: ["admin:users:read"], organization_id: "org_x" }, server.bootstrapAuth);
    expect(bound.status).toBe(403);
    const list = await rest(server.baseUrl, "GET", "/v1/api-keys", undefined, server.bootstrapAuth);
    expect(list.status).toBe(400);
    expect(list.json.error.code).toBe("AVNOLOGY_AUTH_101");
    const revoke = await rest(server.baseUrl, "DELETE", `/v1/api-keys/${server.adminKeyId}`, undefined, server.bootstrapAuth);
    expect(revoke.json.error.code).toBe("AVNOLOGY_AUTH_101");
  });

  it("gives each bootstrap call a new tenant, named by `name`", async () => {
    const a = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "YourCompany", scopes: ["admin:users:write"] }, server.bootstrapAuth);
    const b = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "YourCompany", scopes: ["admin:users:write"] }, server.bootstrapAuth);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json.api_key.tenant_id).not.toBe(b.json.api_key.tenant_id);
    expect(a.json.api_key.created_by).toBe("bootstrap");
    const tenant = await server.db.collection("tenants").findOne({ _id: a.json.api_key.tenant_id });
    expect(tenant?.["name"]).toBe("YourCompany");
  });
});

describe("listing keys", () => {
  it("pages through the tenant's keys in id order, over REST and gRPC, never with a secret", async () => {
    for (let i = 0; i < 3; i++) await createKey(server, { name: `page ${i}`, scopes: ["admin:users:read"] });
    const seen: string[] = [];
    let token = "";
    do {
      const res = await rest(server.baseUrl, "GET", `/v1/api-keys?page_size=2&page_token=${encodeURIComponent(token)}`, undefined, server.auth);
      expect(res.status).toBe(200);
      expect(res.json.api_keys.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.api_keys.map((k: { id: string }) => k.id));
      token = res.json.next_page_token;
    } while (token !== "");
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);

    const client = createGrpcClient(ApiKeyService, server.port);
    try {
      const result = await client.call("listApiKeys", ListApiKeysRequestSchema, ListApiKeysResponseSchema, { pageSize: 100 }, { ...server.auth });
      expect(result.response?.apiKeys.map((k) => k.id)).toEqual(seen);
    } finally {
      client.close();
    }
  });

  it("shows an org-bound caller only its organization's keys", async () => {
    const bound = await createOrgBoundKey(server);
    const res = await rest(server.baseUrl, "GET", "/v1/api-keys", undefined, bound.auth);
    expect(res.json.api_keys.map((k: { id: string }) => k.id)).toEqual([bound.id]);
  });
});

describe("revoking a key", () => {
  it("refuses the key at once on this instance, keeps the first revoked_at, and 404s unknown ids", async () => {
    const key = await createKey(server, { name: "short-lived", scopes: ["admin:users:read"] });
    expect((await probe(key.auth)).status).toBe(404); // works, and is now cached
    const res = await rest(server.baseUrl, "DELETE", `/v1/api-keys/${key.id}`, undefined, server.auth);
    expect(res.status).toBe(200);
    expect(Date.parse(res.json.revoked_at)).toBeGreaterThan(Date.now() - 60_000);

    const refused = await probe(key.auth);
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe("AVNOLOGY_AUTH_001");
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const again = await rest(server.baseUrl, "DELETE", `/v1/api-keys/${key.id}`, undefined, server.auth);
    expect(again.json.revoked_at).toBe(res.json.revoked_at);
    const unknown = await rest(server.baseUrl, "DELETE", "/v1/api-keys/key_00000000-0000-4000-8000-000000000000", undefined, server.auth);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("AVNOLOGY_AUTH_043");
  });

  it("lets a narrower key manager not revoke a wider key", async () => {
    const manager = await createKey(server, { name: "manager", scopes: ["admin:keys:write"] });
    const res = await rest(server.baseUrl, "DELETE", `/v1/api-keys/${server.adminKeyId}`, undefined, manager.auth);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("AVNOLOGY_AUTH_100");
    expect((await probe(server.auth)).status).toBe(404);
  });
});

describe("with an injected clock", () => {
  let clocked: TestServer;
  let now = Date.parse("2026-03-01T12:00:00Z");

  beforeAll(async () => {
    clocked = await startTestServer({ API_KEY_CACHE_TTL_MS: "5000" }, { now: () => new Date(now) });
  });
  afterAll(async () => {
    await clocked?.close();
  });

  const lastUsed = async (id: string) =>
    ((await clocked.db.collection("api_keys").findOne({ _id: id as never }))?.["last_used_at"] as Date | null)?.getTime() ?? null;

  it("serves a cached key without the database and honours a revocation by another instance within 5 s", async () => {
    const key = await createKey(clocked, { name: "cached", scopes: ["admin:users:read"] });
    expect((await probe(key.auth, clocked)).status).toBe(404);
    // Another instance revokes it: only the database changes.
    await clocked.db.collection("api_keys").updateOne({ _id: key.id as never }, { $set: { revoked_at: new Date(now) } });
    now += 4_999;
    expect((await probe(key.auth, clocked)).status).toBe(404); // served from the cache
    now += 1;
    expect((await probe(key.auth, clocked)).status).toBe(401); // the bound: 5 s
  });

  it("writes last_used_at at most once a minute", async () => {
    const key = await createKey(clocked, { name: "used", scopes: ["admin:users:read"] });
    expect(await lastUsed(key.id)).toBeNull();
    const first = now;
    await probe(key.auth, clocked);
    await waitFor(async () => (await lastUsed(key.id)) === first);

    now += 30_000;
    await probe(key.auth, clocked);
    now += 29_000;
    await probe(key.auth, clocked);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a write, if any, would land by now
    expect(await lastUsed(key.id)).toBe(first);

    now += 1_000; // 60 s after the first use
    await probe(key.auth, clocked);
    await waitFor(async () => (await lastUsed(key.id)) === first + 60_000);
    const listed = await rest(clocked.baseUrl, "GET", "/v1/api-keys", undefined, clocked.auth);
    const shown = listed.json.api_keys.find((k: { id: string }) => k.id === key.id);
    expect(Date.parse(shown.last_used_at)).toBe(first + 60_000);
  });

  it("treats a key past its expires_at like a revoked one", async () => {
    const key = await createKey(clocked, { name: "expiring", scopes: ["admin:users:read"], expiresAt: new Date(now + 60_000).toISOString() });
    expect((await probe(key.auth, clocked)).status).toBe(404);
    now += 60_000;
    expect((await probe(key.auth, clocked)).status).toBe(401);
  });
});

describe("failed-auth throttle", () => {
  it("answers 429 AVNOLOGY_AUTH_022 to further bad credentials from an address, on REST and gRPC, and still serves a valid key", async () => {
    const throttled = await startTestServer({ AUTH_FAILURE_LIMIT: "3", AUTH_FAILURE_WINDOW_MS: "60000" });
    try {
      const bad = { authorization: `Bearer ak_live_${"A".repeat(43)}` };
      for (let i = 0; i < 3; i++) expect((await probe(bad, throttled)).status).toBe(401);
      const blocked = await probe(bad, throttled);
      expect(blocked.status).toBe(429);
      expect(blocked.json.error.code).toBe("AVNOLOGY_AUTH_022");
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      // The admin key from the same address is never refused by the throttle.
      expect((await probe(throttled.auth, throttled)).status).toBe(404);

      const client = createGrpcClient(IdentityService, throttled.port);
      try {
        const result = await client.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: "usr_x" }, { ...bad });
        expect(result.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
        expect(grpcErrorDetails(result.error!).errorInfo?.reason).toBe("AVNOLOGY_AUTH_022");
      } finally {
        client.close();
      }
    } finally {
      await throttled.close();
    }
  });
});
