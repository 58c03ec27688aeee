// The API key and organization stores' queries keep the shapes of their
// indexes (index-shape.ts; docs/storage.md).
import type { IndexDescription } from "mongodb";
import { describe, expect, it } from "vitest";
import { apiKeyIndexDescriptions, byDigestQuery, keyByIdQuery, keyListQuery, touchQuery } from "../../../src/store/api-key-queries.js";
import { organizationByIdQuery, organizationListQuery } from "../../../src/store/organization-queries.js";
import { indexShapeProblems } from "./index-shape.js";

const idIndex: IndexDescription = { key: { _id: 1 }, name: "_id_", unique: true };
const keyIndexes = [idIndex, ...apiKeyIndexDescriptions];
const keyIndex = (name: string) => keyIndexes.find((i) => i.name === name)!;

describe("API key queries", () => {
  it.each([
    ["by digest (authentication)", byDigestQuery("ab12")],
    ["by id", keyByIdQuery("key_a")],
    ["revoke guard", keyByIdQuery("key_a", { tenant_id: "ten_a", revoked_at: null })],
    ["last_used_at guard", touchQuery("key_a", new Date(60_000), 60_000)],
    ["list, first page", keyListQuery("ten_a", undefined, "")],
    ["list, next page", keyListQuery("ten_a", undefined, "key_b")],
    ["list of one organization, next page", keyListQuery("ten_a", "org_a", "key_b")],
  ])("%s is shaped for its index", (_name, query) => {
    expect(keyIndex(query.index)).toBeDefined();
    expect(indexShapeProblems(query.filter, query.sort, keyIndex(query.index))).toEqual([]);
  });

  it("reads a key by _id alone (the tenant is checked on the document read)", () => {
    expect(keyByIdQuery("key_a").filter).toEqual({ _id: "key_a" });
  });
});

describe("organization queries", () => {
  it.each([
    ["by id", organizationByIdQuery("ten_a", "org_a")],
    ["list, first page", organizationListQuery("ten_a", "")],
    ["list, next page", organizationListQuery("ten_a", "org_b")],
  ])("%s is an _id read or range", (_name, query) => {
    expect(indexShapeProblems(query.filter, query.sort, idIndex)).toEqual([]);
  });

  it("bounds a tenant's organizations to its own _id prefix", () => {
    expect(organizationListQuery("ten_a", "org_b").filter).toEqual({ _id: { $gt: "ten_a/org_b", $lt: "ten_a0" }, tenant_id: "ten_a" });
  });
});
