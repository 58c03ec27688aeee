// Identities in MongoDB: documents, indexes and the queries the service needs.
import { MongoBulkWriteError, MongoServerError, type Collection, type Db, type Filter, type IndexDescription } from "mongodb";
import type { Identity, IdentityState, JsonObject } from "../domain/identity.js";
import { normalizeEmail, normalizeUsername } from "../domain/identity.js";
import {
  emptyValueOf,
  writableIdentityFields,
  type identityFieldTable,
  type UniqueKey,
  type WritableField,
} from "../domain/identity-fields.js";
import {
  byEmailQuery,
  byIdQuery,
  listIndexDescriptions,
  listQuery,
  takenQuery,
  uniqueIndexDescriptions,
  uniqueIndexes,
  type IdentityListFilter,
  type ListCursor,
} from "./identity-queries.js";
import { duplicateKeyIndex, ensureIndexes } from "./mongo.js";
import { createWriteClaims } from "./write-claims.js";

/**
 * The stored shape. Field names are snake_case like the API: the writable
 * fields come from the field table (src/domain/identity-fields.ts) under their
 * proto names, each unique one with its lookup key beside it (`email_key`:
 * normalizeEmail(email); `username_key`, `external_id_key`: the normalised
 * value, or `!<id>` when unset, see uniqueKeyOrSentinel).
 */
type IdentityDocument = WritableColumns & UniqueKeyColumns & {
  _id: string;
  tenant_id: string;
  state: IdentityState;
  /** Argon2id PHC string; null when the identity has no password. */
  password_hash: string | null;
  created_at: Date;
  updated_at: Date | null;
  created_by: string;
  updated_by: string;
  version: number;
};

type Table = typeof identityFieldTable;
type StoredValue<Kind> = Kind extends "json" ? JsonObject | null : Kind extends "bool" ? boolean : string;
type WritableColumns = { [K in WritableField as Table[K]["proto"]]: StoredValue<Table[K]["kind"]> };
type UniqueKeyColumns = {
  [K in WritableField as Table[K] extends { readonly unique: UniqueKey } ? `${Table[K]["proto"]}_key` : never]: string;
};

export type UniqueField = "email" | "username" | "external_id";

export type InsertResult = { ok: true } | { ok: false; conflict: UniqueField };

/** "stale": no identity with that id and expected version (changed or deleted meanwhile). */
export type UpdateResult = { ok: true } | { ok: false; stale: true } | { ok: false; stale: false; conflict: UniqueField };

export interface StoredCredentials {
  readonly identity: Identity;
  readonly passwordHash: string | null;
}

export interface IdentityStore {
  insert(identity: Identity, passwordHash: string | null): Promise<InsertResult>;
  /**
   * Inserts many in one unordered write: one result per item, in order. A
   * clash is reported on the item that lost it (the unique indexes decide).
   */
  insertMany(items: readonly { identity: Identity; passwordHash: string | null }[]): Promise<InsertResult[]>;
  findById(tenantId: string, id: string): Promise<Identity | null>;
  /** Which of the unique values are already taken in the tenant (for validate_only). */
  findTaken(
    tenantId: string,
    values: { email: string; username: string; externalId: string },
    /** An identity whose own values do not count (validate_only of an update). */
    excludeId?: string,
  ): Promise<UniqueField[]>;
  /**
   * Replaces the writable fields, updated_at/updated_by and version of
   * `next` only if the stored version is still `expectedVersion` (a guarded
   * update: the filter names the expected version, so two concurrent writers
   * can never both succeed). The unique indexes decide clashes.
   */
  update(next: Identity, expectedVersion: number): Promise<UpdateResult>;
  /** Deletes when the identity matches the guard; false when nothing matched. */
  delete(tenantId: string, id: string, guard: { organizationId?: string; version?: number }): Promise<boolean>;
  /** Sets a new password hash, guarded by the expected version like update. */
  setPasswordHash(
    tenantId: string,
    id: string,
    expectedVersion: number,
    change: { passwordHash: string; updatedAt: Date; updatedBy: string },
  ): Promise<boolean>;
  /** The identity and its password hash, by id or by email (its normalised key). */
  findCredentials(tenantId: string, by: { id: string } | { email: string }): Promise<StoredCredentials | null>;
  /**
   * Upgrades a hash after a successful verify, only if it is still the one
   * verified (a concurrent SetPassword wins). Not a change of the resource:
   * version, etag and updated_at stay.
   */
  replacePasswordHash(tenantId: string, id: string, version: number, oldHash: string, newHash: string): Promise<boolean>;
  /** One page, oldest first, strictly after `after`; see identity-queries.ts for the indexes. */
  listPage(tenantId: string, filter: IdentityListFilter, after: ListCursor | undefined, limit: number): Promise<Identity[]>;
}

/** Tries of a write whose clash the server did not name and whose clashing value was gone when read. */
const unexplainedClashTries = 3;

export async function createIdentityStore(db: Db): Promise<IdentityStore> {
  const identities = db.collection<IdentityDocument>("identities");
  await ensureIdentityIndexes(identities);
  // Every write conditional on a version goes through a claim (write-claims.ts):
  // a guarded updateOne alone is not atomic on FerretDB. (On a server that
  // says it is MongoDB the claim is skipped: the guarded write decides.)
  const claims = createWriteClaims(db);
  const claimKey = (tenantId: string, id: string) => `identity/${tenantId}/${id}`;

  /** By `_id` alone; another tenant's identity reads exactly like a missing one. */
  async function findOwn(tenantId: string, id: string): Promise<IdentityDocument | null> {
    const doc = await identities.findOne(byIdQuery(id).filter as Filter<IdentityDocument>);
    return doc !== null && doc.tenant_id === tenantId ? doc : null;
  }

  /**
   * Which unique value a failed write clashed on. The index the server names
   * decides (MongoDB names it). Where the server names none reliably
   * (FerretDB, see duplicateKeyIndex), the values are read back after the
   * index has decided; "gone" when none of them is taken any more (the
   * clashing identity changed or went meanwhile): the caller writes again.
   */
  async function classifyClash(err: unknown, tenantId: string, values: Identity, excludeId?: string): Promise<UniqueField | "gone"> {
    const index = duplicateKeyIndex(err);
    if (index === undefined) throw err;
    const named = uniqueFieldOfIndex(index);
    if (named !== undefined) return named;
    if (index !== "") throw err; // an index of no unique value: `_id` (ids are random uuids)
    const [taken] = await store.findTaken(tenantId, values, excludeId);
    return taken ?? "gone";
  }

  const store: IdentityStore = {
    async insert(identity, passwordHash) {
      // The unique indexes decide (never check-then-insert: FerretDB's
      // findAndModify is not atomic and races would slip through).
      for (let attempt = 1; ; attempt++) {
        try {
          await identities.insertOne(toDocument(identity, passwordHash));
          return { ok: true };
        } catch (err) {
          const conflict = await classifyClash(err, identity.tenantId, identity);
          if (conflict !== "gone") return { ok: false, conflict };
          if (attempt === unexplainedClashTries) throw err;
        }
      }
    },

    async insertMany(items) {
      const results: InsertResult[] = items.map(() => ({ ok: true }));
      if (items.length === 0) return results;
      try {
        await identities.insertMany(
          items.map((item) => toDocument(item.identity, item.passwordHash)),
          { ordered: false },
        );
        return results;
      } catch (err) {
        const writeErrors = bulkWriteErrors(err);
        if (writeErrors === undefined) throw err;
        for (const writeError of writeErrors) {
          const item = items[writeError.index];
          if (item === undefined) throw err;
          // Classified as a single insert's clash would be; an unexplained one
          // (the clashing value went meanwhile) is written again on its own.
          const conflict = await classifyClash(writeError.error, item.identity.tenantId, item.identity);
          results[writeError.index] = conflict === "gone" ? await store.insert(item.identity, item.passwordHash) : { ok: false, conflict };
        }
        return results;
      }
    },

    async findById(tenantId, id) {
      const doc = await findOwn(tenantId, id);
      return doc ? fromDocument(doc) : null;
    },

    async findTaken(tenantId, values, excludeId) {
      const query = takenQuery(tenantId, values, excludeId);
      const docs = await identities
        .find(query.filter as Filter<IdentityDocument>, { projection: { email_key: 1, username_key: 1, external_id_key: 1 } })
        .limit(3)
        .toArray();
      const taken = new Set<UniqueField>();
      for (const doc of docs) {
        if (doc.email_key === normalizeEmail(values.email)) taken.add("email");
        if (values.username && doc.username_key === normalizeUsername(values.username)) taken.add("username");
        if (values.externalId && doc.external_id_key === values.externalId) taken.add("external_id");
      }
      return (["email", "username", "external_id"] as const).filter((f) => taken.has(f));
    },

    async update(next, expectedVersion) {
      const { _id, tenant_id, password_hash, created_at, created_by, ...fields } = toDocument(next, null);
      const guarded = byIdQuery(_id, { tenant_id, version: expectedVersion }).filter as Filter<IdentityDocument>;
      for (let attempt = 1; ; attempt++) {
        const outcome = await claims.withClaim(claimKey(tenant_id, _id), expectedVersion, async (): Promise<UpdateResult | "gone"> => {
          try {
            const result = await identities.updateOne(guarded, { $set: fields });
            return result.matchedCount === 1 ? { ok: true } : { ok: false, stale: true };
          } catch (err) {
            const conflict = await classifyClash(err, tenant_id, next, _id);
            if (conflict === "gone" && attempt === unexplainedClashTries) throw err;
            return conflict === "gone" ? conflict : { ok: false, stale: false, conflict };
          }
        });
        if (!outcome.won) return { ok: false, stale: true };
        if (outcome.value !== "gone") return outcome.value;
      }
    },

    async delete(tenantId, id, guard) {
      const filter = byIdQuery(id, { tenant_id: tenantId }).filter as Filter<IdentityDocument>;
      if (guard.organizationId !== undefined) filter.organization_id = guard.organizationId;
      const remove = async () => (await identities.deleteOne(filter)).deletedCount === 1;
      if (guard.version === undefined) return remove();
      filter.version = guard.version;
      const outcome = await claims.withClaim(claimKey(tenantId, id), guard.version, remove);
      return outcome.won && outcome.value;
    },

    async setPasswordHash(tenantId, id, expectedVersion, change) {
      const outcome = await claims.withClaim(claimKey(tenantId, id), expectedVersion, async () => {
        const result = await identities.updateOne(
          byIdQuery(id, { tenant_id: tenantId, version: expectedVersion }).filter as Filter<IdentityDocument>,
          {
            $set: {
              password_hash: change.passwordHash,
              updated_at: change.updatedAt,
              updated_by: change.updatedBy,
              version: expectedVersion + 1,
            },
          },
        );
        return result.matchedCount === 1;
      });
      return outcome.won && outcome.value;
    },

    async findCredentials(tenantId, by) {
      const doc =
        "id" in by
          ? await findOwn(tenantId, by.id)
          : await identities.findOne(byEmailQuery(tenantId, by.email).filter as Filter<IdentityDocument>);
      return doc ? { identity: fromDocument(doc), passwordHash: doc.password_hash } : null;
    },

    async replacePasswordHash(tenantId, id, version, oldHash, newHash) {
      // Claimed like any versioned write, so a concurrent SetPassword (same
      // version) can never be overwritten with the upgraded old password.
      const outcome = await claims.withClaim(claimKey(tenantId, id), version, async () => {
        const result = await identities.updateOne(
          byIdQuery(id, { tenant_id: tenantId, version, password_hash: oldHash }).filter as Filter<IdentityDocument>,
          { $set: { password_hash: newHash } },
        );
        return result.matchedCount === 1;
      });
      return outcome.won && outcome.value;
    },

    async listPage(tenantId, filter, after, limit) {
      const query = listQuery(tenantId, filter, after); // query.index names the index it is shaped for
      const cursor = identities.find(query.filter as Filter<IdentityDocument>, { projection: { password_hash: 0 } });
      if (Object.keys(query.sort).length > 0) cursor.sort(query.sort);
      const docs = await cursor.limit(limit).toArray();
      return docs.map((doc) => fromDocument(doc));
    },
  };
  return store;
}

/**
 * The failed writes of an unordered insertMany, each as a server error that
 * duplicateKeyIndex reads like a single insert's; undefined for any other error.
 */
function bulkWriteErrors(err: unknown): { index: number; error: MongoServerError }[] | undefined {
  if (!(err instanceof MongoBulkWriteError)) return undefined;
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return writeErrors.map((w) => {
    const raw = w.errInfo === undefined ? w.toJSON() : { ...w.toJSON(), errInfo: w.errInfo };
    const error = new MongoServerError({ ...(raw as object), message: w.errmsg ?? "", errmsg: w.errmsg ?? "", code: w.code });
    return { index: w.index, error };
  });
}

async function ensureIdentityIndexes(identities: Collection<IdentityDocument>): Promise<void> {
  // Listing oldest first with a keyset cursor on (created_at, _id).
  const indexes: IndexDescription[] = [...uniqueIndexDescriptions, ...listIndexDescriptions];
  await ensureIndexes(identities, indexes);
}

/** The unique value behind an index MongoDB names (by name or by its key pattern). */
export function uniqueFieldOfIndex(index: string): UniqueField | undefined {
  if (index === uniqueIndexes.email || index === "tenant_id,email_key") return "email";
  if (index === uniqueIndexes.username || index === "tenant_id,username_key") return "username";
  if (index === uniqueIndexes.externalId || index === "tenant_id,external_id_key") return "external_id";
  return undefined;
}

/** `!` cannot appear in a username or an id we make, so sentinels never clash with real values. */
function uniqueKeyOrSentinel(value: string, id: string): string {
  return value === "" ? `!${id}` : value;
}

/** The stored document of an identity (exported for bench/ seeding, so the shape is never duplicated). */
export function toDocument(identity: Identity, passwordHash: string | null): IdentityDocument {
  const doc: Record<string, unknown> = {
    _id: identity.id,
    tenant_id: identity.tenantId,
    password_hash: passwordHash,
    created_at: identity.createdAt,
    updated_at: identity.updatedAt,
    created_by: identity.createdBy,
    updated_by: identity.updatedBy,
    version: identity.version,
  };
  for (const row of writableIdentityFields) {
    const value = identity[row.key];
    doc[row.proto] = row.kind === "json" ? (value ?? null) : value;
    if (row.unique !== undefined) {
      const key = row.unique.normalize(value as string);
      doc[`${row.proto}_key`] = row.unique.optional ? uniqueKeyOrSentinel(key, identity.id) : key;
    }
  }
  return doc as IdentityDocument;
}

function fromDocument(doc: IdentityDocument): Identity {
  const stored = doc as unknown as Record<string, unknown>;
  const identity: Record<string, unknown> = {
    id: doc._id,
    tenantId: doc.tenant_id,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    createdBy: doc.created_by,
    updatedBy: doc.updated_by,
    version: doc.version,
  };
  // A field added after a document was written reads as unset.
  for (const row of writableIdentityFields) identity[row.key] = stored[row.proto] ?? emptyValueOf(row.kind);
  return identity as unknown as Identity;
}
