// Every query the identity store sends keeps the shape of the index it is
// made for (see index-shape.ts for what "shape" means; docs/storage.md for
// the plans).
import type { IndexDescription } from "mongodb";
import { describe, expect, it } from "vitest";
import {
  byEmailQuery,
  byIdQuery,
  listIndexDescriptions,
  listQuery,
  takenQuery,
  uniqueIndexDescriptions,
  type IdentityListFilter,
} from "../../../src/store/identity-queries.js";
import { indexShapeProblems } from "./index-shape.js";

const indexes: IndexDescription[] = [{ key: { _id: 1 }, name: "_id_", unique: true }, ...uniqueIndexDescriptions, ...listIndexDescriptions];
const indexNamed = (name: string) => {
  const index = indexes.find((i) => i.name === name);
  if (!index) throw new Error(`no index ${name}`);
  return index;
};
const at = new Date("2026-01-01T00:00:00Z");

describe("listQuery: every accepted filter combination is shaped for a named index", () => {
  it.each<[string, IdentityListFilter, string]>([
    ["no filter", {}, "tenant_created_at_id"],
    ["a created range", { createdAfter: new Date(1), createdBefore: new Date(2) }, "tenant_created_at_id"],
    ["organization", { organizationId: "org_a" }, "tenant_org_created_at_id"],
    ["state", { state: "inactive" }, "tenant_state_created_at_id"],
    ["organization + state", { organizationId: "org_a", state: "active" }, "tenant_org_state_created_at_id"],
    ["organization + state + range", { organizationId: "org_a", state: "active", createdBefore: new Date(2) }, "tenant_org_state_created_at_id"],
    ["email + anything", { email: "A@x.com", organizationId: "org_a", state: "active" }, "tenant_email_unique"],
    ["username", { username: "Ann" }, "tenant_username_unique"],
    ["email + username + external id", { email: "a@x.com", username: "Ann", externalId: "e1" }, "tenant_email_unique"],
    ["external id + state", { externalId: "e1", state: "active" }, "tenant_external_id_unique"],
  ])("%s → %s, first page and after a cursor", (_name, filter, index) => {
    for (const after of [undefined, { createdAt: at, id: "usr_b" }]) {
      const q = listQuery("ten_a", filter, after);
      expect(q.index).toBe(index);
      expect(indexShapeProblems(q.filter, q.sort, indexNamed(index))).toEqual([]);
      // Sorted pages walk an index in order; a unique lookup has nothing to sort.
      expect(q.sort).toEqual(indexNamed(index).unique ? {} : { created_at: 1, _id: 1 });
    }
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

  it("continues strictly after the cursor in (created_at, _id) order, without skip, in one flat filter", () => {
    const q = listQuery("ten_a", { state: "active", createdBefore: new Date("2027-01-01T00:00:00Z") }, { createdAt: at, id: "usr_b" });
    expect(q.filter).toEqual({
      tenant_id: "ten_a",
      state: "active",
      created_at: { $gte: at, $lt: new Date("2027-01-01T00:00:00Z") },
      $or: [{ created_at: { $gt: at } }, { created_at: at, _id: { $gt: "usr_b" } }],
    });
  });

  it("bounds the scan by the later of created_after and the cursor", () => {
    const later = new Date("2026-06-01T00:00:00Z");
    expect(listQuery("ten_a", { createdAfter: later }, { createdAt: at, id: "usr_b" }).filter["created_at"]).toEqual({ $gte: later });
    expect(listQuery("ten_a", { createdAfter: at }, { createdAt: later, id: "usr_b" }).filter["created_at"]).toEqual({ $gte: later });
  });
});

describe("point queries", () => {
  it("reads, guards and deletes by _id alone plus residual fields checked on that one document", () => {
    const q = byIdQuery("usr_a", { tenant_id: "ten_a", version: 3 });
    expect(q).toEqual({ filter: { _id: "usr_a", tenant_id: "ten_a", version: 3 }, index: "_id_" });
    expect(indexShapeProblems(q.filter, {}, indexNamed(q.index))).toEqual([]);
    expect(byIdQuery("usr_a").filter).toEqual({ _id: "usr_a" });
  });

  it("finds credentials by email on tenant_email_unique", () => {
    const q = byEmailQuery("ten_a", " Jane@Example.COM");
    expect(q.filter).toEqual({ tenant_id: "ten_a", email_key: "jane@example.com" });
    expect(indexShapeProblems(q.filter, {}, indexNamed(q.index))).toEqual([]);
  });

  it("asks which unique values are taken with one branch per unique index, each naming the tenant", () => {
    const q = takenQuery("ten_a", { email: "A@x.com", username: "Ann", externalId: "e1" }, "usr_self");
    expect(q.indexes).toEqual(["tenant_email_unique", "tenant_username_unique", "tenant_external_id_unique"]);
    const branches = q.filter["$or"] as Record<string, unknown>[];
    expect(branches).toHaveLength(3);
    branches.forEach((branch, i) => {
      expect(branch["tenant_id"]).toBe("ten_a");
      expect(indexShapeProblems({ ...branch, _id: { $ne: "usr_self" } }, {}, indexNamed(q.indexes[i]!))).toEqual([]);
    });
    expect(takenQuery("ten_a", { email: "a@x.com", username: "", externalId: "" }).indexes).toEqual(["tenant_email_unique"]);
  });
});

describe("indexShapeProblems (the model the tests above rely on)", () => {
  const list = indexNamed("tenant_state_created_at_id");
  it.each<[string, Record<string, unknown>, Record<string, number>, string]>([
    ["an equality outside the prefix", { tenant_id: "t", organization_id: "o" }, { created_at: 1, _id: 1 }, "equality on organization_id"],
    ["a sort that skips a field", { tenant_id: "t" }, { created_at: 1, _id: 1 }, "sort created_at,_id does not follow"],
    ["a range on a later field", { tenant_id: "t", state: "active", _id: { $gt: "x" } }, { created_at: 1, _id: 1 }, "range on _id"],
    ["no leading equality", { state: "active" }, {}, "no equality or range on the index's first field"],
  ])("flags %s", (_name, filter, sort, problem) => {
    expect(indexShapeProblems(filter, sort, list).join("; ")).toContain(problem);
  });
});
