import { describe, expect, it } from "vitest";
import { emptyIdentityFields } from "../../../src/domain/identity.js";
import { applyMask, implicitMask, parseUpdateMask } from "../../../src/domain/update-mask.js";

describe("parseUpdateMask", () => {
  it.each([
    ["one field", ["display_name"], ["displayName"]],
    ["several fields", ["display_name", "phone", "admin_metadata"], ["displayName", "phone", "adminMetadata"]],
    ["surrounding spaces", [" phone "], ["phone"]],
    ["an empty mask", [], []],
  ])("accepts %s", (_name, paths, fields) => {
    const mask = parseUpdateMask(paths);
    expect(mask.violations).toEqual([]);
    expect([...mask.fields].sort()).toEqual([...fields].sort());
  });

  it("reads * as every writable field", () => {
    const mask = parseUpdateMask(["*"]);
    expect(mask.violations).toEqual([]);
    expect(mask.fields.size).toBe(Object.keys(emptyIdentityFields()).length);
  });

  it.each([
    ["an unknown field", "nickname", "not a field of Identity"],
    ["the id", "id", "cannot be changed"],
    ["created_at", "created_at", "cannot be changed"],
    ["created_by", "created_by", "cannot be changed"],
    ["updated_at", "updated_at", "cannot be changed"],
    ["the etag", "etag", "cannot be changed"],
    ["a sub-field", "traits.department", "sub-fields"],
    ["a camelCase name", "displayName", "not a field of Identity"],
  ])("refuses %s with a 902 on update_mask", (_name, path, message) => {
    const mask = parseUpdateMask(["first_name", path]);
    expect(mask.violations).toHaveLength(1);
    expect(mask.violations[0]).toMatchObject({ field: "update_mask", code: "AVNOLOGY_AUTH_902" });
    expect(mask.violations[0]!.message).toContain(message);
  });

  it("never echoes odd characters of a path", () => {
    const mask = parseUpdateMask(["<script>\u0000"]);
    expect(mask.violations[0]!.message).not.toMatch(/[<>\u0000]/);
  });
});

describe("implicitMask", () => {
  it("names exactly the non-default fields", () => {
    const values = { ...emptyIdentityFields(), lastName: "X", emailVerified: true, traits: { a: 1 } };
    expect([...implicitMask(values)].sort()).toEqual(["emailVerified", "lastName", "traits"]);
    expect(implicitMask(emptyIdentityFields()).size).toBe(0);
  });
});

describe("applyMask", () => {
  it("takes masked fields from the request (clearing absent ones) and keeps the rest", () => {
    const current = { ...emptyIdentityFields(), email: "a@example.com", phone: "+14155551234", firstName: "Ann" };
    const values = { ...emptyIdentityFields(), displayName: "A." };
    const next = applyMask(current, values, new Set(["displayName", "phone"] as const));
    expect(next).toMatchObject({ email: "a@example.com", firstName: "Ann", displayName: "A.", phone: "" });
  });
});
