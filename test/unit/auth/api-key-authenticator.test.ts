import { describe, expect, it } from "vitest";
import { createApiKeyAuthenticator, type ApiKeyLookup } from "../../../src/auth/api-key-authenticator.js";
import { generateApiKeySecret, hashApiKeySecret } from "../../../src/auth/api-key-secret.js";
import type { ApiKey } from "../../../src/domain/api-key.js";

const pepper = "p".repeat(32);
const t0 = Date.parse("2026-01-01T00:00:00Z");

/** An in-memory key table that counts reads and writes (the authenticator's only I/O). */
function keyTable(keys: ApiKey[], secrets: string[]) {
  const byDigest = new Map(keys.map((k, i) => [hashApiKeySecret(secrets[i]!, pepper), k]));
  const calls = { finds: 0, touches: [] as Date[] };
  const lookup: ApiKeyLookup = {
    async findByDigest(digest) {
      calls.finds += 1;
      return byDigest.get(digest) ?? null;
    },
    async touchLastUsed(_id, now) {
      calls.touches.push(now);
      return true;
    },
  };
  const update = (id: string, change: Partial<ApiKey>) => {
    for (const [d, k] of byDigest) if (k.id === id) byDigest.set(d, { ...k, ...change });
  };
  return { lookup, calls, update };
}

function key(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: "key_1",
    tenantId: "ten_1",
    name: "k",
    scopes: ["admin:users:read"],
    organizationId: "",
    expiresAt: null,
    createdBy: "bootstrap",
    createdAt: new Date(t0 - 1000),
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

function setup(k: ApiKey = key(), cacheTtlMs = 5_000) {
  const secret = generateApiKeySecret();
  const table = keyTable([k], [secret]);
  let now = t0;
  const auth = createApiKeyAuthenticator({ keys: table.lookup, pepper, cacheTtlMs, now: () => new Date(now) });
  return { auth, secret, ...table, advance: (ms: number) => (now += ms) };
}

describe("createApiKeyAuthenticator", () => {
  it("turns a known secret into an api_key caller of the key's tenant, scopes and organization", async () => {
    const { auth, secret } = setup(key({ organizationId: "org_a", scopes: ["admin:users:write", "admin:users:read"] }));
    const result = await auth.authenticate(secret);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.caller).toMatchObject({ kind: "api_key", subject: "key_1", tenantId: "ten_1", organizationId: "org_a" });
    expect([...result.caller.scopes]).toEqual(["admin:users:write", "admin:users:read"]);
  });

  it("answers unknown for a secret it has no digest for, without caching the miss", async () => {
    const { auth, calls } = setup();
    const other = generateApiKeySecret();
    expect(await auth.authenticate(other)).toEqual({ ok: false, reason: "unknown" });
    expect(await auth.authenticate(other)).toEqual({ ok: false, reason: "unknown" });
    expect(calls.finds).toBe(2);
  });

  it("serves repeated requests within the cache time from memory: one store read for 100 requests", async () => {
    const { auth, secret, calls, advance } = setup();
    for (let i = 0; i < 100; i++) {
      expect((await auth.authenticate(secret)).ok).toBe(true);
      advance(40); // 100 × 40 ms = 4 s < 5 s
    }
    expect(calls.finds).toBe(1);
  });

  it("stops accepting a key revoked elsewhere within the cache time, and not before the cache says so", async () => {
    const { auth, secret, calls, update, advance } = setup();
    expect((await auth.authenticate(secret)).ok).toBe(true);
    update("key_1", { revokedAt: new Date(t0 + 1) }); // another instance revokes it
    advance(4_999);
    expect((await auth.authenticate(secret)).ok).toBe(true); // still cached: the documented bound
    advance(1);
    expect(await auth.authenticate(secret)).toEqual({ ok: false, reason: "revoked_or_expired" });
    expect(calls.finds).toBe(2);
  });

  it("shares one store read between concurrent requests with the same uncached key", async () => {
    const { auth, secret, calls } = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(secret)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls.finds).toBe(1);
  });

  it("reads the store on every request when the cache time is 0", async () => {
    const { auth, secret, calls } = setup(key(), 0);
    await auth.authenticate(secret);
    await auth.authenticate(secret);
    expect(calls.finds).toBe(2);
  });

  it("forgets an evicted key at once (revocation through this instance)", async () => {
    const { auth, secret, update } = setup();
    expect((await auth.authenticate(secret)).ok).toBe(true);
    update("key_1", { revokedAt: new Date(t0) });
    auth.evict("key_1");
    expect(await auth.authenticate(secret)).toEqual({ ok: false, reason: "revoked_or_expired" });
  });

  it("refuses a cached key the moment it expires, without a store read", async () => {
    const { auth, secret, calls, advance } = setup(key({ expiresAt: new Date(t0 + 1_000) }));
    expect((await auth.authenticate(secret)).ok).toBe(true);
    advance(999);
    expect((await auth.authenticate(secret)).ok).toBe(true);
    advance(1);
    expect(await auth.authenticate(secret)).toEqual({ ok: false, reason: "revoked_or_expired" });
    expect(calls.finds).toBe(1);
  });

  it("records last use at most once a minute", async () => {
    const { auth, secret, calls, advance } = setup(key(), 5_000);
    await auth.authenticate(secret); // t0: first use → written
    advance(30_000);
    await auth.authenticate(secret); // +30 s: not written (cache reloaded, last use known)
    advance(29_999);
    await auth.authenticate(secret); // +59.999 s: not written
    advance(1);
    await auth.authenticate(secret); // +60 s: written
    expect(calls.touches.map((d) => d.getTime() - t0)).toEqual([0, 60_000]);
  });

  it("does not write last use again when the stored value is recent (e.g. written by another instance)", async () => {
    const { auth, secret, calls } = setup(key({ lastUsedAt: new Date(t0 - 10_000) }));
    await auth.authenticate(secret);
    expect(calls.touches).toEqual([]);
  });

  it("keeps at most maxCachedKeys entries", async () => {
    const secrets = [generateApiKeySecret(), generateApiKeySecret(), generateApiKeySecret()];
    const table = keyTable([key({ id: "key_a" }), key({ id: "key_b" }), key({ id: "key_c" })], secrets);
    const auth = createApiKeyAuthenticator({ keys: table.lookup, pepper, cacheTtlMs: 60_000, maxCachedKeys: 2, now: () => new Date(t0) });
    for (const s of secrets) await auth.authenticate(s);
    await auth.authenticate(secrets[2]!); // newest: cached
    await auth.authenticate(secrets[0]!); // oldest: evicted, read again
    expect(table.calls.finds).toBe(4);
  });
});

describe("a shared store read that fails", () => {
  // The first read fails (the database was down when it was sent); reads after it succeed.
  function failingOnce(k: ApiKey, secret: string) {
    let finds = 0;
    let failFirst!: (err: Error) => void;
    const lookup: ApiKeyLookup = {
      findByDigest(digest) {
        finds += 1;
        if (finds === 1) return new Promise((_, reject) => (failFirst = reject));
        return Promise.resolve(digest === hashApiKeySecret(secret, pepper) ? k : null);
      },
      touchLastUsed: async () => true,
    };
    return { lookup, fail: () => failFirst(new Error("database unavailable")), finds: () => finds };
  }

  it.each([
    { databaseBack: true, joinerOk: true },
    { databaseBack: false, joinerOk: false },
  ])("fails the request that started it; joiners retry once only when the database is back ($databaseBack)", async ({ databaseBack, joinerOk }) => {
    const secret = generateApiKeySecret();
    const table = failingOnce(key(), secret);
    const auth = createApiKeyAuthenticator({ keys: table.lookup, pepper, cacheTtlMs: 0, retryJoinedLookup: () => databaseBack, now: () => new Date(t0) });
    const first = auth.authenticate(secret);
    const joiners = [auth.authenticate(secret), auth.authenticate(secret)];
    table.fail();
    await expect(first).rejects.toThrow(/unavailable/);
    for (const joiner of joiners) {
      if (joinerOk) expect((await joiner).ok).toBe(true);
      else await expect(joiner).rejects.toThrow(/unavailable/);
    }
    // The retrying joiners shared one fresh read.
    expect(table.finds()).toBe(databaseBack ? 2 : 1);
  });
});
