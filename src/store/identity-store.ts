// Identities in MongoDB: documents, indexes and the queries the service needs.
import type { Collection, Db } from "mongodb";
import type { Identity, IdentityState, JsonObject } from "../domain/identity.js";
import { normalizeEmail, normalizeUsername } from "../domain/identity.js";
import { createIndexesOneByOne, duplicateKeyIndex } from "./mongo.js";

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

export interface IdentityStore {
  insert(identity: Identity, passwordHash: string | null): Promise<InsertResult>;
  findById(tenantId: string, id: string): Promise<Identity | null>;
  /** Which of the unique values are already taken in the tenant (for validate_only). */
  findTaken(
    tenantId: string,
    values: { email: string; username: string; externalId: string },
  ): Promise<UniqueField[]>;
}

const indexNames = {
  email: "tenant_email_unique",
  username: "tenant_username_unique",
  externalId: "tenant_external_id_unique",
  created: "tenant_created_at_id",
} as const;

export async function createIdentityStore(db: Db): Promise<IdentityStore> {
  const identities = db.collection<IdentityDocument>("identities");
  await ensureIndexes(identities);

  return {
    async insert(identity, passwordHash) {
      try {
        await identities.insertOne(toDocument(identity, passwordHash));
        return { ok: true };
      } catch (err) {
        const index = duplicateKeyIndex(err);
        if (index === undefined) throw err;
        // The unique index decides (never check-then-insert: FerretDB's
        // findAndModify is not atomic and races would slip through).
        return { ok: false, conflict: conflictFromIndex(index) };
      }
    },

    async findById(tenantId, id) {
      // Tenant in the filter: another tenant's id reads exactly like a missing one.
      const doc = await identities.findOne({ _id: id, tenant_id: tenantId });
      return doc ? fromDocument(doc) : null;
    },

    async findTaken(tenantId, values) {
      const or: Record<string, string>[] = [{ email_key: normalizeEmail(values.email) }];
      if (values.username) or.push({ username_key: normalizeUsername(values.username) });
      if (values.externalId) or.push({ external_id_key: values.externalId });
      const docs = await identities
        .find(
          { tenant_id: tenantId, $or: or },
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
  };
}

async function ensureIndexes(identities: Collection<IdentityDocument>): Promise<void> {
  await createIndexesOneByOne(identities, [
    { key: { tenant_id: 1, email_key: 1 }, name: indexNames.email, unique: true },
    // Partial and sparse indexes are not available on FerretDB, so identities
    // without a username/external_id store a per-identity sentinel instead of
    // null: the unique index then never sees two equal "missing" values.
    { key: { tenant_id: 1, username_key: 1 }, name: indexNames.username, unique: true },
    { key: { tenant_id: 1, external_id_key: 1 }, name: indexNames.externalId, unique: true },
    // Listing oldest first with a keyset cursor on (created_at, _id).
    { key: { tenant_id: 1, created_at: 1, _id: 1 }, name: indexNames.created },
  ]);
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

function toDocument(identity: Identity, passwordHash: string | null): IdentityDocument {
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
