// Every query the organization store sends, as plain values with the index
// each is shaped for (test/unit/store/organization-queries.test.ts;
// docs/storage.md). Organization ids are unique per tenant, not globally, so
// `_id` is `<tenant_id>/<organization id>`: every read is an `_id` read and
// a tenant's organizations are one `_id` range.

export const organizationKey = (tenantId: string, id: string): string => `${tenantId}/${id}`;

export interface OrganizationQuery {
  readonly filter: Record<string, unknown>;
  readonly sort: Readonly<Record<string, 1>>;
  readonly index: "_id_";
}

export function organizationByIdQuery(tenantId: string, id: string): OrganizationQuery {
  return { filter: { _id: organizationKey(tenantId, id) }, sort: {}, index: "_id_" };
}

/** One page of the tenant's organizations by id, after `after` ("" for the first). */
export function organizationListQuery(tenantId: string, after: string): OrganizationQuery {
  // The tenant prefix of `_id` bounds the range: "/" sorts before "0", so
  // "<tenant>/" ≤ every id of the tenant < "<tenant>0".
  const from = after === "" ? { $gte: `${tenantId}/` } : { $gt: organizationKey(tenantId, after) };
  return { filter: { _id: { ...from, $lt: `${tenantId}0` }, tenant_id: tenantId }, sort: { _id: 1 }, index: "_id_" };
}
