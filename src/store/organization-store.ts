// Organizations in MongoDB. Ids are unique per tenant, not globally: `_id` is
// `<tenant_id>/<organization id>`, so two tenants may both keep an account id
// like org_acme, and a taken id can never reveal another tenant's data (409
// only ever answers for the caller's own tenant). Being the `_id`, the
// uniqueness check is the primary key itself, and lookups are `_id` lookups
// (the one filter FerretDB pushes down to SQL).
import type { Db } from "mongodb";
import type { Organization } from "../domain/organization.js";
import { duplicateKeyIndex } from "./mongo.js";
import { toPage, type Page, type PageRequest } from "./paging.js";

interface OrganizationDocument {
  _id: string;
  tenant_id: string;
  organization_id: string;
  name: string;
  created_at: Date;
  created_by: string;
}

export type InsertOrganizationResult = { ok: true } | { ok: false; conflict: "id" };

export interface OrganizationStore {
  insert(organization: Organization): Promise<InsertOrganizationResult>;
  findById(tenantId: string, id: string): Promise<Organization | null>;
  exists(tenantId: string, id: string): Promise<boolean>;
  list(tenantId: string, page: PageRequest): Promise<Page<Organization>>;
}

const key = (tenantId: string, id: string): string => `${tenantId}/${id}`;

export async function createOrganizationStore(db: Db): Promise<OrganizationStore> {
  const organizations = db.collection<OrganizationDocument>("organizations");

  return {
    async insert(organization) {
      try {
        await organizations.insertOne({
          _id: key(organization.tenantId, organization.id),
          tenant_id: organization.tenantId,
          organization_id: organization.id,
          name: organization.name,
          created_at: organization.createdAt,
          created_by: organization.createdBy,
        });
        return { ok: true };
      } catch (err) {
        if (duplicateKeyIndex(err) === undefined) throw err;
        return { ok: false, conflict: "id" };
      }
    },

    async findById(tenantId, id) {
      const doc = await organizations.findOne({ _id: key(tenantId, id) });
      // Re-checked because a tenant id from a token claim is free text.
      return doc && doc.tenant_id === tenantId ? fromDocument(doc) : null;
    },

    async exists(tenantId, id) {
      const doc = await organizations.findOne({ _id: key(tenantId, id) }, { projection: { tenant_id: 1 } });
      return doc !== null && doc.tenant_id === tenantId;
    },

    async list(tenantId, page) {
      // The tenant prefix of `_id` bounds the range: "/" sorts before "0", so
      // "<tenant>/" ≤ every id of the tenant < "<tenant>0".
      const from = page.after === "" ? { $gte: `${tenantId}/` } : { $gt: key(tenantId, page.after) };
      const docs = await organizations
        .find({ _id: { ...from, $lt: `${tenantId}0` }, tenant_id: tenantId })
        .sort({ _id: 1 })
        .limit(page.pageSize + 1)
        .toArray();
      return toPage(docs.map(fromDocument), page.pageSize, (o) => o.id);
    },
  };
}

function fromDocument(doc: OrganizationDocument): Organization {
  return {
    id: doc.organization_id,
    tenantId: doc.tenant_id,
    name: doc.name,
    createdAt: doc.created_at,
    createdBy: doc.created_by,
  };
}
