// Organizations and tenants in memory: the OrganizationStore and TenantStore
// contracts (test/contract/) without a database. Organization ids are unique
// per tenant, as on MongoDB; tenant ids are unique (a second insert throws).
import type { Organization, Tenant } from "../../domain/organization.js";
import type { OrganizationStore, TenantStore } from "../interfaces.js";
import { toPage } from "../paging.js";

export function createMemoryOrganizationStore(): OrganizationStore {
  /** Keyed `<tenant>/<id>` like the MongoDB `_id`. */
  const organizations = new Map<string, Organization>();
  const key = (tenantId: string, id: string) => `${tenantId}/${id}`;

  return {
    async insert(organization) {
      const k = key(organization.tenantId, organization.id);
      if (organizations.has(k)) return { ok: false, conflict: "id" };
      organizations.set(k, structuredClone(organization));
      return { ok: true };
    },
    async findById(tenantId, id) {
      const found = organizations.get(key(tenantId, id));
      return found ? structuredClone(found) : null;
    },
    async exists(tenantId, id) {
      return organizations.has(key(tenantId, id));
    },
    async list(tenantId, page) {
      const items = [...organizations.values()]
        .filter((o) => o.tenantId === tenantId && (page.after === "" || o.id > page.after))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, page.pageSize + 1)
        .map((o) => structuredClone(o));
      return toPage(items, page.pageSize, (o) => o.id);
    },
  };
}

export function createMemoryTenantStore(): TenantStore {
  const tenants = new Map<string, Tenant>();
  return {
    async insert(tenant) {
      if (tenants.has(tenant.id)) throw new Error(`duplicate tenant id ${tenant.id}`);
      tenants.set(tenant.id, structuredClone(tenant));
    },
    async findById(id) {
      const found = tenants.get(id);
      return found ? structuredClone(found) : null;
    },
  };
}
