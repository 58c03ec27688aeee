import { describe, expect, it } from "vitest";
import type { AppError } from "../../../src/domain/errors.js";
import { decodePageToken, encodePageToken, type PageScope } from "../../../src/services/identities/page-token.js";

const scope: PageScope = { tenantId: "ten_a", organizationId: undefined, filter: { state: "active" } };
const cursor = { createdAt: new Date("2026-01-02T03:04:05.678Z"), id: "usr_00000000-0000-4000-8000-000000000001" };

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    return e as AppError;
  }
  throw new Error("expected a failure");
}

describe("page tokens", () => {
  it("round-trip the keyset position for the same filter", () => {
    const token = encodePageToken(scope, cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken({ ...scope, filter: { state: "active" } }, token)).toEqual(cursor);
  });

  it.each([
    ["another filter value", { ...scope, filter: { state: "inactive" as const } }],
    ["an added filter", { ...scope, filter: { state: "active" as const, email: "a@example.com" } }],
    ["another tenant", { ...scope, tenantId: "ten_b" }],
    ["another caller organization", { ...scope, organizationId: "org_x" }],
    ["a created_after bound", { ...scope, filter: { state: "active" as const, createdAfter: new Date(0) } }],
  ])("are refused with %s (400, page_token)", (_name, other) => {
    const token = encodePageToken(scope, cursor);
    const err = failure(() => decodePageToken(other, token));
    expect(err).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "page_token" } });
  });

  it.each([
    ["junk", "not a token!"],
    ["base64 of non-JSON", Buffer.from("hello").toString("base64url")],
    ["a wrong version", Buffer.from(JSON.stringify({ v: 9, t: 1, i: "x", f: "y" })).toString("base64url")],
    ["a huge token", "A".repeat(10_000)],
  ])("are refused when malformed: %s", (_name, token) => {
    expect(failure(() => decodePageToken(scope, token)).code).toBe("AVNOLOGY_AUTH_902");
  });
});
