// The TypeScript SDK against the real server, imported through the package's
// own "exports" entry as a user would; and the CORS answers that let it run
// in a browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AvnologyError, createAvnologyClient, type AvnologyClient } from "../../sdk/src/index.js";
import { rest } from "../support/rest.js";
import { createOrganization } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const origin = "https://app.example.com";
let server: TestServer;
let client: AvnologyClient;
const sentBodies: unknown[] = [];

beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: `${origin}, https://admin.example.com` });
  // The organizations these tests name must exist in the tenant.
  for (const id of ["org_sdk-list"]) await createOrganization(server, id);
  const { authorization, ...otherHeaders } = server.auth as Record<string, string | undefined>;
  client = createAvnologyClient({
    baseUrl: server.baseUrl,
    apiKey: (authorization ?? "").replace(/^Bearer\s+/i, ""),
    headers: otherHeaders as Record<string, string>,
    // A recording fetch, to see what the SDK sends (a browser-like Origin included).
    fetch: async (input, init) => {
      const body = init?.body;
      if (typeof body === "string") sentBodies.push(JSON.parse(body));
      else if (body instanceof Uint8Array) sentBodies.push(JSON.parse(new TextDecoder().decode(body)));
      const headers = new Headers(init?.headers);
      headers.set("origin", origin);
      return fetch(input, { ...init, headers });
    },
  });
});
afterAll(async () => {
  await server?.close();
});

describe("client.admin", () => {
  it("creates a user in two lines (name fills display_name) with an automatic idempotency key", async () => {
    const user = await client.admin.createUser({ email: "sdk.jane@example.com", password: "sdk passphrase long", name: "Jane S.", firstName: "Jane" });
    expect(user.id).toMatch(/^usr_/);
    expect(user).toMatchObject({ email: "sdk.jane@example.com", displayName: "Jane S.", firstName: "Jane", state: "active" });
    const sent = sentBodies.at(-1) as { requestId: string; initialPassword: string };
    expect(sent.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await client.admin.verifyPassword({ email: "sdk.jane@example.com", password: "sdk passphrase long" })).toBe(true);

    await client.admin.createUser({ email: "sdk.keyed@example.com", idempotencyKey: "my-own-key-1" });
    expect((sentBodies.at(-1) as { requestId: string }).requestId).toBe("my-own-key-1");
  });

  it("gets, updates (only the given fields, etag-checked) and deletes", async () => {
    const user = await client.admin.createUser({ email: "sdk.update@example.com", firstName: "Old", phone: "+14155551234" });
    expect((await client.admin.getUser(user.id)).etag).toBe(user.etag);
    const updated = await client.admin.updateUser(user.id, { name: "Renamed", lastName: "New" }, { etag: user.etag });
    expect(updated).toMatchObject({ displayName: "Renamed", lastName: "New", firstName: "Old", phone: "+14155551234" });

    const stale = await client.admin.updateUser(user.id, { firstName: "Late" }, { etag: user.etag }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(AvnologyError);
    expect(stale).toMatchObject({ code: "AVNOLOGY_AUTH_050", status: 412 });

    await client.admin.deleteUser(user.id);
    const missing = await client.admin.getUser(user.id).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AvnologyError);
    expect(missing).toMatchObject({ code: "AVNOLOGY_AUTH_040", status: 404, field: "id" });
  });

  it("iterates over every page of listUsers", async () => {
    const org = "org_sdk-list";
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.admin.createUser({ email: `sdk.list.${i}@example.com`, organizationId: org })).id);
    const listed: string[] = [];
    for await (const user of client.admin.listUsers({ organizationId: org, pageSize: 2 })) listed.push(user.id);
    expect(listed).toEqual(ids);
    const pageRequests = sentBodies.filter((b) => (b as { organizationId?: string }).organizationId === org && "pageSize" in (b as object));
    expect(pageRequests).toHaveLength(3);
  });

  it("reports validation failures as one typed error with code, status, field, message and violations", async () => {
    const err = await client.admin.createUser({ email: "not-an-email", phone: "12" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AvnologyError);
    const e = err as AvnologyError;
    expect(e).toMatchObject({ code: "AVNOLOGY_AUTH_902", status: 400, field: "email" });
    expect(e.message).toBe("Validation failed");
    expect(e.violations.map((v) => v.field).sort()).toEqual(["identity.email", "identity.phone"]);
    expect(e.violations[0]?.code).toBe("AVNOLOGY_AUTH_902");
  });

  it("exposes the raw Connect client of the identity service", async () => {
    const user = await client.admin.createUser({ email: "sdk.raw@example.com" });
    const got = await client.raw.identities.getIdentity({ id: user.id });
    expect(got.email).toBe("sdk.raw@example.com");
  });

  it("exposes the raw Connect clients of the key and organization services", async () => {
    const org = await client.raw.organizations.createOrganization({ organization: { name: "SDK org" }, organizationId: "org_sdk-raw" });
    expect(org.id).toBe("org_sdk-raw");
    const created = await client.raw.apiKeys.createApiKey({ name: "sdk key", scopes: ["admin:users:read"], organizationId: org.id });
    expect(created.secret).toMatch(/^ak_live_/);
    const listed = await client.raw.apiKeys.listApiKeys({});
    expect(listed.apiKeys.map((k) => k.id)).toContain(created.apiKey?.id);
  });

  it("answers network failures with an AvnologyError too", async () => {
    const offline = createAvnologyClient({ baseUrl: "http://127.0.0.1:1", apiKey: "" });
    const err = await offline.admin.getUser("usr_x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AvnologyError);
    expect((err as AvnologyError).code).toBe("AVNOLOGY_SDK_NETWORK");
  });
});

describe("client.keys and client.organizations", () => {
  it("create, get and list organizations; create, list and revoke keys", async () => {
    const org = await client.organizations.create({ name: "Helpers", id: "org_sdk-helpers" });
    expect(org.id).toBe("org_sdk-helpers");
    expect((await client.organizations.get(org.id)).name).toBe("Helpers");
    const orgIds: string[] = [];
    for await (const o of client.organizations.list()) orgIds.push(o.id);
    expect(orgIds).toContain(org.id);

    const key = await client.keys.create({ name: "helper key", scopes: ["admin:users:read"], organizationId: org.id, expiresAt: new Date(Date.now() + 86_400_000) });
    expect(key.secret).toMatch(/^ak_live_/);
    expect(key.apiKey.organizationId).toBe(org.id);
    const keyIds: string[] = [];
    for await (const k of client.keys.list()) keyIds.push(k.id);
    expect(keyIds).toContain(key.apiKey.id);
    const revoked = await client.keys.revoke(key.apiKey.id);
    expect(revoked.revokedAt).toBeDefined();
  });

  it("sends an idempotency key with every write, updates included", async () => {
    const user = await client.admin.createUser({ email: "sdk.keys-on-writes@example.com" });
    await client.admin.updateUser(user.id, { firstName: "Keyed" });
    expect((sentBodies.at(-1) as { requestId?: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("retries, timeouts and aborts against the real service", () => {
  it("retries a rate-limited create after Retry-After with the same idempotency key, and creates once", async () => {
    // Burst 2: the setup's first key makes two calls; the test's key then gets two at once and waits for the third.
    const limited = await startTestServer({ RATE_LIMIT_CREDENTIAL_RPS: "1", RATE_LIMIT_CREDENTIAL_BURST: "2" });
    try {
      const bodies: Array<{ requestId?: string }> = [];
      const statuses: number[] = [];
      const sdk = createAvnologyClient({
        baseUrl: limited.baseUrl,
        apiKey: (limited.auth["authorization"] ?? "").replace(/^Bearer\s+/i, ""),
        fetch: async (input, init) => {
          if (init?.body instanceof Uint8Array) bodies.push(JSON.parse(new TextDecoder().decode(init.body)));
          const res = await fetch(input, init);
          statuses.push(res.status);
          return res;
        },
      });
      await sdk.admin.createUser({ email: "sdk.limited.1@example.com" });
      await sdk.admin.createUser({ email: "sdk.limited.2@example.com" });
      const third = await sdk.admin.createUser({ email: "sdk.limited.3@example.com" });
      expect(third.email).toBe("sdk.limited.3@example.com");
      expect(statuses).toContain(429);
      const retried = bodies.slice(2);
      expect(retried.length).toBeGreaterThan(1);
      expect(new Set(retried.map((b) => b.requestId)).size).toBe(1);
      expect(await limited.db.collection("identities").countDocuments({ email: "sdk.limited.3@example.com" })).toBe(1);
    } finally {
      await limited.close();
    }
  });

  it("answers AVNOLOGY_SDK_TIMEOUT when the call's timeout passes and AVNOLOGY_SDK_ABORTED when its signal fires", async () => {
    const slow = createAvnologyClient({
      baseUrl: server.baseUrl,
      apiKey: "",
      fetch: (input, init) => new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(fetch(input, init)), 2_000);
        init?.signal?.addEventListener("abort", () => (clearTimeout(timer), reject(init.signal!.reason)));
      }),
    });
    await expect(slow.admin.getUser("usr_x", { timeoutMs: 50 })).rejects.toMatchObject({ code: "AVNOLOGY_SDK_TIMEOUT", status: 0 });
    const controller = new AbortController();
    const pending = slow.admin.getUser("usr_x", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "AVNOLOGY_SDK_ABORTED" });
  });
});

describe("CORS", () => {
  const preflight = (path: string, from: string, method = "POST") =>
    rest(server.baseUrl, "OPTIONS", path, undefined, {
      origin: from,
      "access-control-request-method": method,
      "access-control-request-headers": "authorization, content-type, if-match",
    });

  it.each([
    ["a Connect route", "/avnology.identity.v1.IdentityService/CreateIdentity", "POST"],
    ["a REST route", "/v1/identities/usr_x", "PATCH"],
  ])("answers a preflight on %s for a configured origin", async (_name, path, method) => {
    const res = await preflight(path, origin, method);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("access-control-allow-methods")).toContain(method);
    const allowed = res.headers.get("access-control-allow-headers")!.toLowerCase();
    for (const h of ["authorization", "content-type", "if-match", "idempotency-key", "connect-protocol-version"]) expect(allowed).toContain(h);
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("gives nothing to an origin that is not configured", async () => {
    const res = await preflight("/v1/identities", "https://evil.example.com");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.status).not.toBe(204);
  });

  it("exposes ETag, idempotency, rate-limit and gRPC-Web headers on actual responses", async () => {
    const res = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "cors.actual@example.com" } }, { ...server.auth, origin });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    const exposed = res.headers.get("access-control-expose-headers")!.toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["etag", "idempotent-replayed", "ratelimit", "ratelimit-policy", "retry-after", "grpc-status", "grpc-message"]));
  });
});
