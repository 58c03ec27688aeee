// Organizations in MongoDB. Ids are unique per tenant, not globally: `_id` is
// `<tenant_id>/<organization id>`, so two tenants may both keep an account id
// like org_acme, and a taken id can never reveal another tenant's data (409
// only ever answers for the caller's own tenant). Being the `_id`, the
// uniqueness check is the primary key itself, and lookups are `_id` lookups
// (organization-queries.ts).
//
// Organizations are never deleted (there is no DeleteOrganization), so an
// organization seen to exist keeps existing: exists() remembers the ones it
// has seen, which takes the existence check of CreateIdentity and
// UpdateIdentity off the database after the first call. Should organizations
// ever be deleted, this memory must go (or be invalidated across instances).
import type { Db, Filter } from "mongodb";
import type { Organization } from "../domain/organization.js";
import { duplicateKeyIndex } from "./mongo.js";
import { organizationByIdQuery, organizationKey as key, organizationListQuery } from "./organization-queries.js";
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

/** How many known organizations exists() remembers (oldest forgotten first). */
const rememberedOrganizations = 10_000;

export async function createOrganizationStore(db: Db): Promise<OrganizationStore> {
  const organizations = db.collection<OrganizationDocument>("organizations");
  const filterOf = (query: { filter: Record<string, unknown> }) => query.filter as Filter<OrganizationDocument>;
  const known = new Set<string>();
  const remember = (tenantId: string, id: string) => {
    if (known.size >= rememberedOrganizations) known.delete(known.values().next().value as string);
    known.add(key(tenantId, id));
  };

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
        remember(organization.tenantId, organization.id);
        return { ok: true };
      } catch (err) {
        if (duplicateKeyIndex(err) === undefined) throw err;
        return { ok: false, conflict: "id" };
      }
    },

    async findById(tenantId, id) {
      const doc = await organizations.findOne(filterOf(organizationByIdQuery(tenantId, id)));
      // Re-checked because a tenant id from a token claim is free text.
      return doc && doc.tenant_id === tenantId ? fromDocument(doc) : null;
    },

    async exists(tenantId, id) {
      if (known.has(key(tenantId, id))) return true;
      const doc = await organizations.findOne(filterOf(organizationByIdQuery(tenantId, id)), { projection: { tenant_id: 1 } });
      const found = doc !== null && doc.tenant_id === tenantId;
      if (found) remember(tenantId, id);
      return found;
    },

    async list(tenantId, page) {
      const query = organizationListQuery(tenantId, page.after);
      const docs = await organizations.find(filterOf(query)).sort(query.sort).limit(page.pageSize + 1).toArray();
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
