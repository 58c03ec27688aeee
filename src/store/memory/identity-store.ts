// Identities in memory: the IdentityStore contract (test/contract/
// identity-store-contract.ts) without a database, for fast service tests.
// Every method decides and writes without an `await` in between, so a
// guarded write is atomic here as it is on MongoDB. Values are copied in and
// out: callers never share an object with the store.
import { normalizeEmail, normalizeUsername, type Identity } from "../../domain/identity.js";
import type { IdentityListFilter, IdentityStore, ListCursor, UniqueField } from "../interfaces.js";

interface Row {
  identity: Identity;
  passwordHash: string | null;
}

export function createMemoryIdentityStore(): IdentityStore {
  /** By id: ids are unique across tenants, like MongoDB's `_id`. */
  const rows = new Map<string, Row>();

  const visible = (tenantId: string, id: string): Row | undefined => {
    const row = rows.get(id);
    return row && row.identity.tenantId === tenantId ? row : undefined;
  };

  /** The unique values of `values` that another identity of the tenant holds, in field order. */
  function taken(tenantId: string, values: { email: string; username: string; externalId: string }, excludeId?: string): UniqueField[] {
    const found = new Set<UniqueField>();
    for (const { identity: other } of rows.values()) {
      if (other.tenantId !== tenantId || other.id === excludeId) continue;
      if (normalizeEmail(other.email) === normalizeEmail(values.email)) found.add("email");
      if (values.username && normalizeUsername(other.username) === normalizeUsername(values.username)) found.add("username");
      if (values.externalId && other.externalId === values.externalId) found.add("external_id");
    }
    return (["email", "username", "external_id"] as const).filter((f) => found.has(f));
  }

  /** A guarded write: runs `change` on the row only at `version`; false when nothing matched. */
  function atVersion(tenantId: string, id: string, version: number, change: (row: Row) => void): boolean {
    const row = visible(tenantId, id);
    if (!row || row.identity.version !== version) return false;
    change(row);
    return true;
  }

  return {
    async insert(identity, passwordHash) {
      if (rows.has(identity.id)) throw new Error(`duplicate identity id ${identity.id}`);
      const [conflict] = taken(identity.tenantId, identity);
      if (conflict) return { ok: false, conflict };
      rows.set(identity.id, { identity: copy(identity), passwordHash });
      return { ok: true };
    },

    async insertMany(items) {
      // Item by item, in order, without an await between: a later item loses
      // to an earlier one as it does in MongoDB's unordered insertMany.
      return items.map(({ identity, passwordHash }) => {
        if (rows.has(identity.id)) throw new Error(`duplicate identity id ${identity.id}`);
        const [conflict] = taken(identity.tenantId, identity);
        if (conflict) return { ok: false, conflict };
        rows.set(identity.id, { identity: copy(identity), passwordHash });
        return { ok: true };
      });
    },

    async findById(tenantId, id) {
      const row = visible(tenantId, id);
      return row ? copy(row.identity) : null;
    },

    async findTaken(tenantId, values, excludeId) {
      return taken(tenantId, values, excludeId);
    },

    async update(next, expectedVersion) {
      const row = visible(next.tenantId, next.id);
      if (!row || row.identity.version !== expectedVersion) return { ok: false, stale: true };
      const [conflict] = taken(next.tenantId, next, next.id);
      if (conflict) return { ok: false, stale: false, conflict };
      // id, tenant, creation and the password hash are not the update's to change.
      const { createdAt, createdBy } = row.identity;
      row.identity = { ...copy(next), createdAt, createdBy };
      return { ok: true };
    },

    async delete(tenantId, id, guard) {
      const row = visible(tenantId, id);
      if (!row) return false;
      if (guard.organizationId !== undefined && row.identity.organizationId !== guard.organizationId) return false;
      if (guard.version !== undefined && row.identity.version !== guard.version) return false;
      return rows.delete(id);
    },

    async setPasswordHash(tenantId, id, expectedVersion, change) {
      return atVersion(tenantId, id, expectedVersion, (row) => {
        row.passwordHash = change.passwordHash;
        row.identity = {
          ...row.identity,
          updatedAt: new Date(change.updatedAt),
          updatedBy: change.updatedBy,
          version: expectedVersion + 1,
        };
      });
    },

    async findCredentials(tenantId, by) {
      let row: Row | undefined;
      if ("id" in by) row = visible(tenantId, by.id);
      else {
        const email = normalizeEmail(by.email);
        row = [...rows.values()].find((r) => r.identity.tenantId === tenantId && normalizeEmail(r.identity.email) === email);
      }
      return row ? { identity: copy(row.identity), passwordHash: row.passwordHash } : null;
    },

    async replacePasswordHash(tenantId, id, version, oldHash, newHash) {
      const row = visible(tenantId, id);
      if (!row || row.identity.version !== version || row.passwordHash !== oldHash) return false;
      row.passwordHash = newHash;
      return true;
    },

    async listPage(tenantId, filter, after, limit) {
      return [...rows.values()]
        .map((r) => r.identity)
        .filter((identity) => identity.tenantId === tenantId && matches(identity, filter) && isAfter(identity, after))
        .sort(byCreatedAtThenId)
        .slice(0, limit)
        .map(copy);
    },
  };
}

function matches(identity: Identity, f: IdentityListFilter): boolean {
  // An unset username / external_id never matches (MongoDB stores a per-identity sentinel for it).
  if (f.email !== undefined && normalizeEmail(identity.email) !== normalizeEmail(f.email)) return false;
  if (f.username !== undefined && (identity.username === "" || normalizeUsername(identity.username) !== normalizeUsername(f.username))) {
    return false;
  }
  if (f.externalId !== undefined && (identity.externalId === "" || identity.externalId !== f.externalId)) return false;
  if (f.organizationId !== undefined && identity.organizationId !== f.organizationId) return false;
  if (f.state !== undefined && identity.state !== f.state) return false;
  if (f.createdAfter !== undefined && identity.createdAt.getTime() < f.createdAfter.getTime()) return false;
  if (f.createdBefore !== undefined && identity.createdAt.getTime() >= f.createdBefore.getTime()) return false;
  return true;
}

/** Strictly after the cursor in (created_at, id) order. */
function isAfter(identity: Identity, after: ListCursor | undefined): boolean {
  if (after === undefined) return true;
  const t = identity.createdAt.getTime() - after.createdAt.getTime();
  return t > 0 || (t === 0 && identity.id > after.id);
}

function byCreatedAtThenId(a: Identity, b: Identity): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function copy(identity: Identity): Identity {
  return structuredClone(identity);
}
