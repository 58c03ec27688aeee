import { describe, expect, it } from "vitest";
import { listIndexDescriptions, listQuery, type IdentityListFilter } from "../../../src/store/identity-queries.js";

describe("listQuery: every accepted filter combination is shaped for a named index", () => {
  it.each<[string, IdentityListFilter, string]>([
    ["no filter", {}, "tenant_created_at_id"],
    ["a created range", { createdAfter: new Date(1), createdBefore: new Date(2) }, "tenant_created_at_id"],
    ["organization", { organizationId: "org_a" }, "tenant_org_created_at_id"],
    ["state", { state: "inactive" }, "tenant_state_created_at_id"],
    ["organization + state", { organizationId: "org_a", state: "active" }, "tenant_org_state_created_at_id"],
    ["email + anything", { email: "A@x.com", organizationId: "org_a", state: "active" }, "tenant_email_unique"],
    ["username", { username: "Ann" }, "tenant_username_unique"],
    ["external id + state", { externalId: "e1", state: "active" }, "tenant_external_id_unique"],
  ])("%s → %s", (_name, filter, index) => {
    const q = listQuery("ten_a", filter, undefined);
    expect(q.index).toBe(index);
    expect(q.sort).toEqual({ created_at: 1, _id: 1 });
  });

  it("every list index ends with the sort key, so a page is a range scan", () => {
    for (const { key } of listIndexDescriptions) {
      const fields = Object.keys(key);
      expect(fields[0]).toBe("tenant_id");
      expect(fields.slice(-2)).toEqual(["created_at", "_id"]);
    }
  });

  it("matches email and username on their normalised keys", () => {
    const q = listQuery("ten_a", { email: " Jane@Example.COM", username: "JaneS" }, undefined);
    expect(q.filter).toMatchObject({ tenant_id: "ten_a", email_key: "jane@example.com", username_key: "janes" });
  });

  it("continues strictly after the cursor in (created_at, _id) order, without skip", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    const q = listQuery("ten_a", { state: "active", createdBefore: new Date("2027-01-01T00:00:00Z") }, { createdAt: at, id: "usr_b" });
    expect(q.filter).toEqual({
      $and: [
        { tenant_id: "ten_a", state: "active" },
        { created_at: { $lt: new Date("2027-01-01T00:00:00Z") } },
        { created_at: { $gte: at } },
        { $or: [{ created_at: { $gt: at } }, { created_at: at, _id: { $gt: "usr_b" } }] },
      ],
    });
  });
});
