// What every OrganizationStore and TenantStore promises: organization ids
// unique per tenant (the same id may exist in two tenants), lookups and
// keyset pages (by id) confined to the tenant; tenant ids unique.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Organization } from "../../src/domain/organization.js";
import type { OrganizationStore, TenantStore } from "../../src/store/interfaces.js";

const t0 = new Date("2026-04-01T00:00:00.000Z");
const newTenant = () => `ten_${randomUUID()}`;
const organization = (tenantId: string, id: string, name = "Engineering"): Organization => ({
  id,
  tenantId,
  name,
  createdAt: t0,
  createdBy: "key_admin",
});

export function describeOrganizationStore(implementation: string, make: () => Promise<OrganizationStore>): void {
  describe(`OrganizationStore contract: ${implementation}`, () => {
    let store: OrganizationStore;
    beforeAll(async () => {
      store = await make();
    });

    it("keeps organization ids unique per tenant, not across tenants", async () => {
      const [a, b] = [newTenant(), newTenant()];
      expect(await store.insert(organization(a, "org_acme"))).toEqual({ ok: true });
      expect(await store.insert(organization(a, "org_acme", "Other name"))).toEqual({ ok: false, conflict: "id" });
      expect(await store.insert(organization(b, "org_acme", "B's Acme"))).toEqual({ ok: true });
      expect(await store.findById(a, "org_acme")).toEqual(organization(a, "org_acme"));
      expect(await store.findById(b, "org_acme")).toEqual(organization(b, "org_acme", "B's Acme"));
    });

    it("finds and confirms organizations only in their tenant", async () => {
      const tenant = newTenant();
      await store.insert(organization(tenant, "org_only_here"));
      expect(await store.exists(tenant, "org_only_here")).toBe(true);
      expect(await store.exists(newTenant(), "org_only_here")).toBe(false);
      expect(await store.exists(tenant, "org_missing")).toBe(false);
      expect(await store.findById(newTenant(), "org_only_here")).toBeNull();
    });

    it("lists a tenant's organizations by id in keyset pages, never a neighbour tenant's", async () => {
      const tenant = newTenant();
      const ids = ["org_c", "org_a", "org_e", "org_b", "org_d"];
      for (const id of ids) await store.insert(organization(tenant, id));
      // Tenant ids that extend this one sort right after it: they must not leak in.
      await store.insert(organization(`${tenant}0`, "org_z"));
      await store.insert(organization(`${tenant}1`, "org_a0"));
      const seen: string[] = [];
      let after = "";
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.list(tenant, { pageSize: 2, after });
        seen.push(...page.items.map((o) => o.id));
        if (page.nextPageToken === "") break;
        after = page.nextPageToken;
      }
      expect(seen).toEqual([...ids].sort());
      const first = await store.list(tenant, { pageSize: 1, after: "" });
      expect(first.items).toEqual([organization(tenant, "org_a")]);
    });
  });
}

export function describeTenantStore(implementation: string, make: () => Promise<TenantStore>): void {
  describe(`TenantStore contract: ${implementation}`, () => {
    let store: TenantStore;
    beforeAll(async () => {
      store = await make();
    });

    it("stores a tenant, finds it by id, and refuses a second with the same id", async () => {
      const tenant = { id: newTenant(), name: "YourCompany", createdAt: t0, createdBy: "bootstrap" };
      await store.insert(tenant);
      expect(await store.findById(tenant.id)).toEqual(tenant);
      expect(await store.findById(newTenant())).toBeNull();
      await expect(store.insert({ ...tenant, name: "Again" })).rejects.toThrow();
      expect(await store.findById(tenant.id)).toEqual(tenant);
    });
  });
}
