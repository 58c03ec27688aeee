// Idempotency and rate limits with real callers: a replayed CreateApiKey
// never shows the secret again, and one tenant's exhausted budget leaves
// another tenant (and another key of the same tenant, for the per-credential
// budget) untouched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { createKey, createTenant } from "../support/tenants.js";
import { startTestServer, testRateLimits, type TestServer } from "../support/test-server.js";

describe("a replayed CreateApiKey", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers the same key without its secret, saying it was shown once", async () => {
    const body = { name: "replayed key", scopes: ["admin:users:read"] };
    const headers = { ...server.auth, "Idempotency-Key": "create-key-once" };
    const first = await rest(server.baseUrl, "POST", "/v1/api-keys", body, headers);
    expect(first.status).toBe(201);
    expect(first.json.secret).toMatch(/^ak_live_/);
    expect(first.json.secret_already_shown).toBe(false);

    const replay = await rest(server.baseUrl, "POST", "/v1/api-keys", body, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toMatchObject({ api_key: first.json.api_key, secret: "", secret_already_shown: true });
    expect(replay.text).not.toContain(first.json.secret);
    // Only one key was made, and the stored record holds no secret either.
    const keys = await server.db.collection("api_keys").countDocuments({ name: "replayed key" });
    expect(keys).toBe(1);
    const records = await server.db.collection("idempotency_records").find({}).toArray();
    expect(JSON.stringify(records)).not.toContain(first.json.secret.slice("ak_live_".length));
  });
});

describe("rate limits per tenant and per credential", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      ...testRateLimits,
      // A small tenant budget, a larger per-credential one: the tenant runs out first.
      RATE_LIMIT_TENANT_RPS: "0.5",
      RATE_LIMIT_TENANT_BURST: "5",
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const list = (auth: Readonly<Record<string, string>>) => rest(server.baseUrl, "GET", "/v1/identities?page_size=1", undefined, auth);

  it("refuses a tenant over its budget with 429, and leaves another tenant alone", async () => {
    // Fresh tenants: the server's own tenant spent budget on its setup.
    const tenantA = await createTenant(server, "Tenant A");
    const tenantB = await createTenant(server, "Tenant B");
    const keyA2 = await createKey(server, { name: "a2", scopes: ["admin:users:read"] }, tenantA.auth);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await list(i % 2 === 0 ? tenantA.auth : keyA2.auth)).status);
    // One key was created (1 token), so 4 of the 5 remain for the lists; both keys share them.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    const refused = await list(tenantA.auth);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe("AVNOLOGY_AUTH_021");
    expect(refused.headers.get("ratelimit")).toMatch(/^"tenant";r=0;t=\d+$/);

    for (let i = 0; i < 4; i++) expect((await list(tenantB.auth)).status).toBe(200);
  });
});
