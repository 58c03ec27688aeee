// API keys in MongoDB. A key is found by the HMAC digest of its secret (a
// unique index); the secret itself is never stored.
import type { Db, Filter } from "mongodb";
import type { Scope } from "../auth/caller.js";
import type { ApiKey } from "../domain/api-key.js";
import { apiKeyIndexDescriptions, byDigestQuery, keyByIdQuery, keyListQuery, touchQuery } from "./api-key-queries.js";
import { ensureIndexes } from "./mongo.js";
import { toPage, type Page, type PageRequest } from "./paging.js";

interface ApiKeyDocument {
  _id: string;
  tenant_id: string;
  name: string;
  /** hashApiKeySecret(secret, pepper): hex HMAC-SHA256. */
  secret_digest: string;
  scopes: Scope[];
  organization_id: string;
  expires_at: Date | null;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiKeyStore {
  insert(key: ApiKey, secretDigest: string): Promise<void>;
  findByDigest(secretDigest: string): Promise<ApiKey | null>;
  findById(tenantId: string, id: string): Promise<ApiKey | null>;
  /** Keys of the tenant by id; only those of `organizationId` when given. */
  list(tenantId: string, organizationId: string | undefined, page: PageRequest): Promise<Page<ApiKey>>;
  /**
   * Sets last_used_at to `now` unless it was set less than `minIntervalMs`
   * before: a guarded update, so instances write it at most once per
   * interval. True when this call wrote it. (On MongoDB the guard is atomic;
   * FerretDB v1.24 reads then writes, so updates racing within milliseconds
   * may both land, with near-equal instants: harmless here.)
   */
  touchLastUsed(id: string, now: Date, minIntervalMs: number): Promise<boolean>;
  /** Sets revoked_at unless already set; answers the key as stored afterwards. */
  revoke(tenantId: string, id: string, now: Date): Promise<ApiKey | null>;
}

export async function createApiKeyStore(db: Db): Promise<ApiKeyStore> {
  const keys = db.collection<ApiKeyDocument>("api_keys");
  await ensureIndexes(keys, apiKeyIndexDescriptions);
  const filterOf = (query: { filter: Record<string, unknown> }) => query.filter as Filter<ApiKeyDocument>;
  /** By `_id` alone; another tenant's key reads exactly like a missing one. */
  const own = (doc: ApiKeyDocument | null, tenantId: string) => (doc !== null && doc.tenant_id === tenantId ? fromDocument(doc) : null);

  return {
    async insert(key, secretDigest) {
      // A digest collision means two equal 256-bit random secrets: the unique
      // index turns that impossibility into a loud error rather than a
      // credential shared by two keys.
      await keys.insertOne(toDocument(key, secretDigest));
    },

    async findByDigest(secretDigest) {
      const doc = await keys.findOne(filterOf(byDigestQuery(secretDigest)));
      return doc ? fromDocument(doc) : null;
    },

    async findById(tenantId, id) {
      return own(await keys.findOne(filterOf(keyByIdQuery(id))), tenantId);
    },

    async list(tenantId, organizationId, page) {
      const query = keyListQuery(tenantId, organizationId, page.after);
      const docs = await keys.find(filterOf(query)).sort(query.sort).limit(page.pageSize + 1).toArray();
      return toPage(docs.map(fromDocument), page.pageSize, (k) => k.id);
    },

    async touchLastUsed(id, now, minIntervalMs) {
      const result = await keys.updateOne(filterOf(touchQuery(id, now, minIntervalMs)), { $set: { last_used_at: now } });
      return result.modifiedCount === 1;
    },

    async revoke(tenantId, id, now) {
      // Guarded: the first revocation's instant is kept (for revocations
      // racing within milliseconds on FerretDB, one of theirs). One round
      // trip when this call revokes; a second read only when it was revoked
      // already (or is missing).
      const revoked = await keys.findOneAndUpdate(
        filterOf(keyByIdQuery(id, { tenant_id: tenantId, revoked_at: null })),
        { $set: { revoked_at: now } },
        { returnDocument: "after" },
      );
      return revoked !== null ? fromDocument(revoked) : own(await keys.findOne(filterOf(keyByIdQuery(id))), tenantId);
    },
  };
}

function toDocument(key: ApiKey, secretDigest: string): ApiKeyDocument {
  return {
    _id: key.id,
    tenant_id: key.tenantId,
    name: key.name,
    secret_digest: secretDigest,
    scopes: [...key.scopes],
    organization_id: key.organizationId,
    expires_at: key.expiresAt,
    created_by: key.createdBy,
    created_at: key.createdAt,
    last_used_at: key.lastUsedAt,
    revoked_at: key.revokedAt,
  };
}

function fromDocument(doc: ApiKeyDocument): ApiKey {
  return {
    id: doc._id,
    tenantId: doc.tenant_id,
    name: doc.name,
    scopes: doc.scopes,
    organizationId: doc.organization_id,
    expiresAt: doc.expires_at,
    createdBy: doc.created_by,
    createdAt: doc.created_at,
    lastUsedAt: doc.last_used_at,
    revokedAt: doc.revoked_at,
  };
}
