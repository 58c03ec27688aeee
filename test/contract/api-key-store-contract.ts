// What every ApiKeyStore promises: a key found by its secret's digest (unique
// across all keys) or by id in its tenant, keyset pages by id, last_used_at
// written at most once per interval, and the first revocation's instant kept.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiKey } from "../../src/domain/api-key.js";
import type { ApiKeyStore } from "../../src/store/interfaces.js";

const t0 = new Date("2026-05-01T00:00:00.000Z");
const newTenant = () => `ten_${randomUUID()}`;

function apiKey(tenantId: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: `key_${randomUUID()}`,
    tenantId,
    name: "support desk",
    scopes: ["admin:users:read"],
    organizationId: "",
    expiresAt: null,
    createdBy: "bootstrap",
    createdAt: t0,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

export function describeApiKeyStore(implementation: string, make: () => Promise<ApiKeyStore>): void {
  describe(`ApiKeyStore contract: ${implementation}`, () => {
    let store: ApiKeyStore;
    beforeAll(async () => {
      store = await make();
    });
    async function inserted(tenantId: string, overrides: Partial<ApiKey> = {}): Promise<ApiKey & { digest: string }> {
      const key = apiKey(tenantId, overrides);
      const digest = randomUUID();
      await store.insert(key, digest);
      return { ...key, digest };
    }

    it("finds a key by digest anywhere and by id in its tenant only", async () => {
      const tenant = newTenant();
      const { digest, ...key } = await inserted(tenant, {
        scopes: ["admin:users:write", "admin:users:read"],
        organizationId: "org_eng",
        expiresAt: new Date("2027-01-01T00:00:00Z"),
      });
      expect(await store.findByDigest(digest)).toEqual(key);
      expect(await store.findById(tenant, key.id)).toEqual(key);
      expect(await store.findById(newTenant(), key.id)).toBeNull();
      expect(await store.findByDigest("unknown")).toBeNull();
    });

    it("refuses a second key with the same digest", async () => {
      const { digest } = await inserted(newTenant());
      await expect(store.insert(apiKey(newTenant()), digest)).rejects.toThrow();
    });

    it("lists a tenant's keys by id in keyset pages, optionally of one organization", async () => {
      const tenant = newTenant();
      const keys = [];
      for (let i = 0; i < 5; i++) keys.push(await inserted(tenant, { organizationId: i % 2 === 0 ? "org_even" : "" }));
      await inserted(newTenant());
      const ids = keys.map((k) => k.id).sort();
      const seen: string[] = [];
      let after = "";
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.list(tenant, undefined, { pageSize: 2, after });
        seen.push(...page.items.map((k) => k.id));
        if (page.nextPageToken === "") break;
        expect(page.items).toHaveLength(2);
        after = page.nextPageToken;
      }
      expect(seen).toEqual(ids);
      const even = await store.list(tenant, "org_even", { pageSize: 10, after: "" });
      expect(even.items.map((k) => k.id)).toEqual(keys.filter((k) => k.organizationId === "org_even").map((k) => k.id).sort());
      expect(even.nextPageToken).toBe("");
      // Exactly a page: no next page token.
      expect((await store.list(tenant, undefined, { pageSize: 5, after: "" })).nextPageToken).toBe("");
    });

    it("writes last_used_at only when unset or at least the interval old", async () => {
      const key = await inserted(newTenant());
      expect(await store.touchLastUsed(key.id, t0, 60_000)).toBe(true);
      expect(await store.touchLastUsed(key.id, t0, 60_000)).toBe(false);
      expect(await store.touchLastUsed(key.id, new Date(t0.getTime() + 59_999), 60_000)).toBe(false);
      expect((await store.findByDigest(key.digest))?.lastUsedAt).toEqual(t0);
      expect(await store.touchLastUsed(key.id, new Date(t0.getTime() + 60_000), 60_000)).toBe(true);
      expect((await store.findByDigest(key.digest))?.lastUsedAt).toEqual(new Date(t0.getTime() + 60_000));
      expect(await store.touchLastUsed("key_missing", t0, 60_000)).toBe(false);
    });

    it("keeps the first revocation and revokes only in the key's tenant", async () => {
      const tenant = newTenant();
      const key = await inserted(tenant);
      expect(await store.revoke(newTenant(), key.id, t0)).toBeNull();
      expect((await store.findById(tenant, key.id))?.revokedAt).toBeNull();
      expect((await store.revoke(tenant, key.id, t0))?.revokedAt).toEqual(t0);
      expect((await store.revoke(tenant, key.id, new Date(t0.getTime() + 1_000)))?.revokedAt).toEqual(t0);
      expect((await store.findByDigest(key.digest))?.revokedAt).toEqual(t0);
      expect(await store.revoke(tenant, "key_missing", t0)).toBeNull();
    });
  });
}
