// API keys in memory: the ApiKeyStore contract (test/contract/
// api-key-store-contract.ts) without a database. A digest is unique across
// all keys, like MongoDB's unique index: a second insert with it throws.
import type { ApiKey } from "../../domain/api-key.js";
import type { ApiKeyStore } from "../interfaces.js";
import { toPage } from "../paging.js";

export function createMemoryApiKeyStore(): ApiKeyStore {
  const byId = new Map<string, ApiKey>();
  const idByDigest = new Map<string, string>();
  const inTenant = (tenantId: string, id: string) => {
    const key = byId.get(id);
    return key && key.tenantId === tenantId ? key : undefined;
  };

  return {
    async insert(key, secretDigest) {
      if (idByDigest.has(secretDigest)) throw new Error("duplicate API key digest");
      if (byId.has(key.id)) throw new Error(`duplicate API key id ${key.id}`);
      byId.set(key.id, copy(key));
      idByDigest.set(secretDigest, key.id);
    },

    async findByDigest(secretDigest) {
      const id = idByDigest.get(secretDigest);
      const key = id === undefined ? undefined : byId.get(id);
      return key ? copy(key) : null;
    },

    async findById(tenantId, id) {
      const key = inTenant(tenantId, id);
      return key ? copy(key) : null;
    },

    async list(tenantId, organizationId, page) {
      const keys = [...byId.values()]
        .filter((k) => k.tenantId === tenantId && (organizationId === undefined || k.organizationId === organizationId))
        .filter((k) => page.after === "" || k.id > page.after)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, page.pageSize + 1)
        .map(copy);
      return toPage(keys, page.pageSize, (k) => k.id);
    },

    async touchLastUsed(id, now, minIntervalMs) {
      const key = byId.get(id);
      if (!key) return false;
      if (key.lastUsedAt !== null && key.lastUsedAt.getTime() > now.getTime() - minIntervalMs) return false;
      byId.set(id, { ...key, lastUsedAt: new Date(now) });
      return true;
    },

    async revoke(tenantId, id, now) {
      const key = inTenant(tenantId, id);
      if (!key) return null;
      if (key.revokedAt === null) byId.set(id, { ...key, revokedAt: new Date(now) });
      return copy(byId.get(id) as ApiKey);
    },
  };
}

function copy(key: ApiKey): ApiKey {
  return structuredClone(key);
}
