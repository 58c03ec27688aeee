// Identities in MongoDB: documents, indexes and the queries the service needs.
import type { Collection, Db, Filter, IndexDescription } from "mongodb";
import type { Identity, IdentityState, JsonObject } from "../domain/identity.js";
import { normalizeEmail, normalizeUsername } from "../domain/identity.js";
import { listIndexDescriptions, listQuery, type IdentityListFilter, type ListCursor } from "./identity-queries.js";
import { duplicateKeyIndex, ensureIndexes } from "./mongo.js";
import { createWriteClaims } from "./write-claims.js";

/** The stored shape. Field names are snake_case like the API. */
interface IdentityDocument {
  _id: string;
  tenant_id: string;
  email: string;
  /** normalizeEmail(email): the uniqueness key. */
  email_key: string;
  username: string;
  /** Normalised username, or `!<id>` when unset (see uniqueKeyOrSentinel). */
  username_key: string;
  first_name: string;
  last_name: string;
  display_name: string;
  phone: string;
  organization_id: string;
  locale: string;
  timezone: string;
  external_id: string;
  /** external_id, or `!<id>` when unset. */
  external_id_key: string;
  traits: JsonObject | null;
  admin_metadata: JsonObject | null;
  metadata: JsonObject | null;
  email_verified: boolean;
  phone_verified: boolean;
  state: IdentityState;
  /** Argon2id PHC string; null when the identity has no password. */
  password_hash: string | null;
  created_at: Date;
  updated_at: Date | null;
  created_by: string;
  updated_by: string;
  version: number;
}

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

const indexNames = {
  email: "tenant_email_unique",
  username: "tenant_username_unique",
  externalId: "tenant_external_id_unique",
} as const;

export async function createIdentityStore(db: Db): Promise<IdentityStore> {
  const identities = db.collection<IdentityDocument>("identities");
  await ensureIdentityIndexes(identities);
  // Every write conditional on a version goes through a claim (write-claims.ts):
  // a guarded updateOne alone is not atomic on FerretDB.
  const claims = createWriteClaims(db);
  const claimKey = (tenantId: string, id: string) => `identity/${tenantId}/${id}`;

  const store: IdentityStore = {
    async insert(identity, passwordHash) {
      try {
        await identities.insertOne(toDocument(identity, passwordHash));
        return { ok: true };
      } catch (err) {
        const index = duplicateKeyIndex(err);
        if (index === undefined) throw err;
        // The unique index decides (never check-then-insert: FerretDB's
        // findAndModify is not atomic and races would slip through). MongoDB
        // names the index; FerretDB does not, so there the clash is classified
        // by reading which value is taken, after the index has decided.
        if (index !== "") return { ok: false, conflict: conflictFromIndex(index) };
        const [taken] = await store.findTaken(identity.tenantId, identity);
        return { ok: false, conflict: taken ?? "email" };
      }
    },

    async findById(tenantId, id) {
      // Tenant in the filter: another tenant's id reads exactly like a missing one.
      const doc = await identities.findOne({ _id: id, tenant_id: tenantId });
      return doc ? fromDocument(doc) : null;
    },

    async findTaken(tenantId, values, excludeId) {
      const or: Record<string, string>[] = [{ email_key: normalizeEmail(values.email) }];
      if (values.username) or.push({ username_key: normalizeUsername(values.username) });
      if (values.externalId) or.push({ external_id_key: values.externalId });
      const docs = await identities
        .find(
          { tenant_id: tenantId, $or: or, ...(excludeId === undefined ? {} : { _id: { $ne: excludeId } }) },
          { projection: { email_key: 1, username_key: 1, external_id_key: 1 } },
        )
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
      const outcome = await claims.withClaim(claimKey(tenant_id, _id), expectedVersion, async (): Promise<UpdateResult> => {
        try {
          const result = await identities.updateOne({ _id, tenant_id, version: expectedVersion }, { $set: fields });
          return result.matchedCount === 1 ? { ok: true } : { ok: false, stale: true };
        } catch (err) {
          const index = duplicateKeyIndex(err);
          if (index === undefined) throw err;
          return { ok: false, stale: false, conflict: conflictFromIndex(index) };
        }
      });
      return outcome.won ? outcome.value : { ok: false, stale: true };
    },

    async delete(tenantId, id, guard) {
      const filter: Filter<IdentityDocument> = { _id: id, tenant_id: tenantId };
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
          { _id: id, tenant_id: tenantId, version: expectedVersion },
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
      // Index: _id, or tenant_email_unique.
      const filter = "id" in by ? { _id: by.id, tenant_id: tenantId } : { tenant_id: tenantId, email_key: normalizeEmail(by.email) };
      const doc = await identities.findOne(filter);
      return doc ? { identity: fromDocument(doc), passwordHash: doc.password_hash } : null;
    },

    async replacePasswordHash(tenantId, id, version, oldHash, newHash) {
      // Claimed like any versioned write, so a concurrent SetPassword (same
      // version) can never be overwritten with the upgraded old password.
      const outcome = await claims.withClaim(claimKey(tenantId, id), version, async () => {
        const result = await identities.updateOne(
          { _id: id, tenant_id: tenantId, version, password_hash: oldHash },
          { $set: { password_hash: newHash } },
        );
        return result.matchedCount === 1;
      });
      return outcome.won && outcome.value;
    },

    async listPage(tenantId, filter, after, limit) {
      const query = listQuery(tenantId, filter, after); // query.index names the index it is shaped for
      const docs = await identities
        .find(query.filter as Filter<IdentityDocument>, { projection: { password_hash: 0 } })
        .sort(query.sort)
        .limit(limit)
        .toArray();
      return docs.map((doc) => fromDocument(doc));
    },
  };
  return store;
}

async function ensureIdentityIndexes(identities: Collection<IdentityDocument>): Promise<void> {
  const indexes: IndexDescription[] = [
    { key: { tenant_id: 1, email_key: 1 }, name: indexNames.email, unique: true },
    // Partial and sparse indexes are not available on FerretDB, so identities
    // without a username/external_id store a per-identity sentinel instead of
    // null: the unique index then never sees two equal "missing" values.
    { key: { tenant_id: 1, username_key: 1 }, name: indexNames.username, unique: true },
    { key: { tenant_id: 1, external_id_key: 1 }, name: indexNames.externalId, unique: true },
    // Listing oldest first with a keyset cursor on (created_at, _id).
    ...listIndexDescriptions,
  ];
  await ensureIndexes(identities, indexes);
}

function conflictFromIndex(index: string): UniqueField {
  if (index.includes("username")) return "username";
  if (index.includes("external_id")) return "external_id";
  return "email";
}

/** `!` cannot appear in a username or an id we make, so sentinels never clash with real values. */
function uniqueKeyOrSentinel(value: string, id: string): string {
  return value === "" ? `!${id}` : value;
}

/** The stored document of an identity (exported for bench/ seeding, so the shape is never duplicated). */
export function toDocument(identity: Identity, passwordHash: string | null): IdentityDocument {
  return {
    _id: identity.id,
    tenant_id: identity.tenantId,
    email: identity.email,
    email_key: normalizeEmail(identity.email),
    username: identity.username,
    username_key: uniqueKeyOrSentinel(normalizeUsername(identity.username), identity.id),
    first_name: identity.firstName,
    last_name: identity.lastName,
    display_name: identity.displayName,
    phone: identity.phone,
    organization_id: identity.organizationId,
    locale: identity.locale,
    timezone: identity.timezone,
    external_id: identity.externalId,
    external_id_key: uniqueKeyOrSentinel(identity.externalId, identity.id),
    traits: identity.traits ?? null,
    admin_metadata: identity.adminMetadata ?? null,
    metadata: identity.metadata ?? null,
    email_verified: identity.emailVerified,
    phone_verified: identity.phoneVerified,
    state: identity.state,
    password_hash: passwordHash,
    created_at: identity.createdAt,
    updated_at: identity.updatedAt,
    created_by: identity.createdBy,
    updated_by: identity.updatedBy,
    version: identity.version,
  };
}

function fromDocument(doc: IdentityDocument): Identity {
  return {
    id: doc._id,
    tenantId: doc.tenant_id,
    email: doc.email,
    username: doc.username,
    firstName: doc.first_name,
    lastName: doc.last_name,
    displayName: doc.display_name,
    phone: doc.phone,
    organizationId: doc.organization_id,
    locale: doc.locale,
    timezone: doc.timezone,
    externalId: doc.external_id,
    traits: doc.traits ?? undefined,
    adminMetadata: doc.admin_metadata ?? undefined,
    metadata: doc.metadata ?? undefined,
    emailVerified: doc.email_verified,
    phoneVerified: doc.phone_verified,
    state: doc.state,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    createdBy: doc.created_by,
    updatedBy: doc.updated_by,
    version: doc.version,
  };
}
