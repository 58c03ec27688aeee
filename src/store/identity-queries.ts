// Every query the identity store sends, as plain values, each with the index
// it is shaped for, so a unit test can hold each shape to its index
// (test/unit/store/identity-queries.test.ts) and docs/storage.md can list
// them. Point reads go by `_id` alone (ids are `usr_<uuid>`, and `_id` is
// unique in the collection anyway): the tenant is checked in code on the one
// document read, which keeps MongoDB on its `_id` fast path (IDHACK).
//
// Listing identities: one keyset-paginated query per filter combination, each
// shaped for an index so that a page costs the same on page 1 and page 10,000
// on MongoDB (range on the sort key, never skip/offset).
//
// Index-backed filter combinations (tenant_id is always part of the filter;
// created_after / created_before may be added to any of them: they are a
// range on the sort key):
//
// | filter                                  | index                              |
// | --------------------------------------- | ---------------------------------- |
// | (none)                                  | tenant_created_at_id               |
// | organization_id                         | tenant_org_created_at_id           |
// | state                                   | tenant_state_created_at_id         |
// | organization_id + state                 | tenant_org_state_created_at_id     |
// | email (+ anything)                      | tenant_email_unique (≤ 1 match)    |
// | username (+ anything)                   | tenant_username_unique (≤ 1 match) |
// | external_id (+ anything)                | tenant_external_id_unique (≤ 1)    |
//
// Every combination the API accepts is in this table: the unique lookups
// match at most one document, so whatever else is in the filter is checked on
// that one document, and they carry no sort (nothing to order; a sort would
// add a SORT stage to MongoDB's plan). (FerretDB, the dev/test stand-in,
// scans instead of using these indexes; the shapes matter on MongoDB.)
import type { IndexDescription } from "mongodb";
import { normalizeEmail, normalizeUsername, type IdentityState } from "../domain/identity.js";

export interface IdentityListFilter {
  readonly email?: string;
  readonly username?: string;
  readonly organizationId?: string;
  readonly externalId?: string;
  readonly state?: IdentityState;
  /** Inclusive. */
  readonly createdAfter?: Date;
  /** Exclusive. */
  readonly createdBefore?: Date;
}

/** Position after the last identity of the previous page: the sort key (created_at, _id). */
export interface ListCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** The unique indexes besides `_id_` (the keys are in uniqueIndexDescriptions). */
export const uniqueIndexes = {
  email: "tenant_email_unique",
  username: "tenant_username_unique",
  externalId: "tenant_external_id_unique",
} as const;

export const uniqueIndexDescriptions: IndexDescription[] = [
  { key: { tenant_id: 1, email_key: 1 }, name: uniqueIndexes.email, unique: true },
  // Partial and sparse indexes are not available on FerretDB, so identities
  // without a username/external_id store a per-identity sentinel instead of
  // null: the unique index then never sees two equal "missing" values.
  { key: { tenant_id: 1, username_key: 1 }, name: uniqueIndexes.username, unique: true },
  { key: { tenant_id: 1, external_id_key: 1 }, name: uniqueIndexes.externalId, unique: true },
];

export const listIndexes = {
  all: "tenant_created_at_id",
  org: "tenant_org_created_at_id",
  state: "tenant_state_created_at_id",
  orgState: "tenant_org_state_created_at_id",
} as const;

/** The list indexes; the unique ones (email, username, external_id) live with the store. */
export const listIndexDescriptions: IndexDescription[] = [
  { key: { tenant_id: 1, created_at: 1, _id: 1 }, name: listIndexes.all },
  { key: { tenant_id: 1, organization_id: 1, created_at: 1, _id: 1 }, name: listIndexes.org },
  { key: { tenant_id: 1, state: 1, created_at: 1, _id: 1 }, name: listIndexes.state },
  { key: { tenant_id: 1, organization_id: 1, state: 1, created_at: 1, _id: 1 }, name: listIndexes.orgState },
];

export interface ListQuery {
  readonly filter: Record<string, unknown>;
  /** Empty on the unique-key paths (at most one match: nothing to sort). */
  readonly sort: Readonly<Record<string, 1>>;
  /** The index this query is shaped for (see the table above). */
  readonly index: string;
}

/** A query matching at most one document (or, for takenQuery, one per branch). */
export interface PointQuery {
  readonly filter: Record<string, unknown>;
  readonly index: string;
}

/** The one read, write guard and delete filter of an identity by id: `_id` only, the rest checked on that document. */
export function byIdQuery(id: string, guard: Record<string, unknown> = {}): PointQuery {
  return { filter: { _id: id, ...guard }, index: "_id_" };
}

export function byEmailQuery(tenantId: string, email: string): PointQuery {
  return { filter: { tenant_id: tenantId, email_key: normalizeEmail(email) }, index: uniqueIndexes.email };
}

/**
 * Identities of the tenant holding any of these unique values: one $or
 * branch per unique index, each naming the tenant itself, so MongoDB answers
 * each branch from its own index (an OR of index scans) without relying on
 * pushing an outer predicate into the branches. The outer tenant_id is for
 * FerretDB, which pushes only top-level equalities down to SQL.
 */
export function takenQuery(
  tenantId: string,
  values: { email: string; username: string; externalId: string },
  excludeId?: string,
): { filter: Record<string, unknown>; indexes: string[] } {
  const or: Record<string, string>[] = [{ tenant_id: tenantId, email_key: normalizeEmail(values.email) }];
  const indexes: string[] = [uniqueIndexes.email];
  if (values.username) {
    or.push({ tenant_id: tenantId, username_key: normalizeUsername(values.username) });
    indexes.push(uniqueIndexes.username);
  }
  if (values.externalId) {
    or.push({ tenant_id: tenantId, external_id_key: values.externalId });
    indexes.push(uniqueIndexes.externalId);
  }
  return { filter: { tenant_id: tenantId, $or: or, ...(excludeId === undefined ? {} : { _id: { $ne: excludeId } }) }, indexes };
}

/** The oldest-first keyset query for one page. */
export function listQuery(tenantId: string, f: IdentityListFilter, after: ListCursor | undefined): ListQuery {
  const equality: Record<string, unknown> = { tenant_id: tenantId };
  let index: string;
  // Equality on a unique key first: it pins at most one document.
  if (f.email !== undefined) {
    equality["email_key"] = normalizeEmail(f.email);
    index = uniqueIndexes.email;
  } else if (f.username !== undefined) {
    equality["username_key"] = normalizeUsername(f.username);
    index = uniqueIndexes.username;
  } else if (f.externalId !== undefined) {
    equality["external_id_key"] = f.externalId;
    index = uniqueIndexes.externalId;
  } else if (f.organizationId !== undefined && f.state !== undefined) {
    index = listIndexes.orgState;
  } else if (f.organizationId !== undefined) {
    index = listIndexes.org;
  } else if (f.state !== undefined) {
    index = listIndexes.state;
  } else {
    index = listIndexes.all;
  }
  // Residual equalities (on the unique-key paths they filter one document).
  if (f.email !== undefined && f.username !== undefined) equality["username_key"] = normalizeUsername(f.username);
  if ((f.email !== undefined || f.username !== undefined) && f.externalId !== undefined) equality["external_id_key"] = f.externalId;
  if (f.organizationId !== undefined) equality["organization_id"] = f.organizationId;
  if (f.state !== undefined) equality["state"] = f.state;

  // One flat document (no $and): FerretDB pushes top-level equalities down to
  // SQL and evaluates $and/$or in Go after reading every document of the
  // collection; MongoDB plans both forms alike.
  const filter: Record<string, unknown> = { ...equality };
  const from = latest(f.createdAfter, after?.createdAt);
  const range: Record<string, Date> = {};
  if (from !== undefined) range["$gte"] = from;
  if (f.createdBefore !== undefined) range["$lt"] = f.createdBefore;
  if (Object.keys(range).length > 0) filter["created_at"] = range;
  if (after !== undefined) {
    // Strictly after the cursor in (created_at, _id) order: items inserted or
    // deleted meanwhile never shift the ones that existed throughout. The
    // $gte above bounds the index scan itself; the $or breaks ties on _id.
    filter["$or"] = [{ created_at: { $gt: after.createdAt } }, { created_at: after.createdAt, _id: { $gt: after.id } }];
  }
  const unique = (Object.values(uniqueIndexes) as string[]).includes(index);
  return { filter, sort: unique ? {} : { created_at: 1, _id: 1 }, index };
}

function latest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.getTime() >= b.getTime() ? a : b;
}
