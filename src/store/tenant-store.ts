// Tenants in MongoDB: created by the bootstrap key, one per customer.
import type { Db } from "mongodb";
import type { Tenant } from "../domain/organization.js";

interface TenantDocument {
  _id: string;
  name: string;
  created_at: Date;
  created_by: string;
}

export interface TenantStore {
  insert(tenant: Tenant): Promise<void>;
  findById(id: string): Promise<Tenant | null>;
}

export async function createTenantStore(db: Db): Promise<TenantStore> {
  const tenants = db.collection<TenantDocument>("tenants");
  return {
    async insert(tenant) {
      await tenants.insertOne({ _id: tenant.id, name: tenant.name, created_at: tenant.createdAt, created_by: tenant.createdBy });
    },
    async findById(id) {
      const doc = await tenants.findOne({ _id: id });
      return doc ? { id: doc._id, name: doc.name, createdAt: doc.created_at, createdBy: doc.created_by } : null;
    },
  };
}
