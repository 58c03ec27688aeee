// Every query the API key store sends, as plain values with the index each is
// shaped for (test/unit/store/api-key-queries.test.ts holds them to it;
// docs/storage.md lists the plans). Key ids are `key_<uuid>` and `_id` is
// unique in the collection: reads by id go by `_id` alone and the tenant is
// checked in code on the one document read.
import type { IndexDescription } from "mongodb";

export const apiKeyIndexDescriptions: IndexDescription[] = [
  // Authentication: a key is found by the HMAC digest of its secret.
  { key: { secret_digest: 1 }, name: "secret_digest_unique", unique: true },
  // Listing a tenant's keys by id.
  { key: { tenant_id: 1, _id: 1 }, name: "tenant_id" },
  // Listing the keys of one organization (an organization-bound caller).
  { key: { tenant_id: 1, organization_id: 1, _id: 1 }, name: "tenant_org_id" },
];

export interface KeyQuery {
  readonly filter: Record<string, unknown>;
  readonly sort: Readonly<Record<string, 1>>;
  readonly index: string;
}

export function byDigestQuery(secretDigest: string): KeyQuery {
  return { filter: { secret_digest: secretDigest }, sort: {}, index: "secret_digest_unique" };
}

export function keyByIdQuery(id: string, guard: Record<string, unknown> = {}): KeyQuery {
  return { filter: { _id: id, ...guard }, sort: {}, index: "_id_" };
}

/** One page of a tenant's keys (of one organization when given), by id after `after`. */
export function keyListQuery(tenantId: string, organizationId: string | undefined, after: string): KeyQuery {
  const filter: Record<string, unknown> = { tenant_id: tenantId };
  if (organizationId !== undefined) filter["organization_id"] = organizationId;
  if (after !== "") filter["_id"] = { $gt: after };
  return { filter, sort: { _id: 1 }, index: organizationId === undefined ? "tenant_id" : "tenant_org_id" };
}

/** The guard of the once-a-minute last_used_at write. */
export function touchQuery(id: string, now: Date, minIntervalMs: number): KeyQuery {
  return keyByIdQuery(id, { $or: [{ last_used_at: null }, { last_used_at: { $lte: new Date(now.getTime() - minIntervalMs) } }] });
}
