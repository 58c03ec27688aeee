import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  CreateIdentityRequestSchema,
  GetIdentityRequestSchema,
} from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { AppError } from "../../../src/domain/errors.js";
import { resolveIdempotencyKey, scopedKeyId } from "../../../src/reliability/idempotency/key.js";
import { hasRequestIdField, isValidateOnly } from "../../../src/transport/contract/request-fields.js";

describe("resolveIdempotencyKey", () => {
  it.each([
    ["header only", "550e8400-e29b-41d4-a716-446655440000", "", "550e8400-e29b-41d4-a716-446655440000"],
    ["request_id only", null, "abc", "abc"],
    ["both, equal", "abc", "abc", "abc"],
    ["neither", null, "", undefined],
    ["one character", "x", "", "x"],
    ["255 characters", "k".repeat(255), "", "k".repeat(255)],
    ["spaces and punctuation", "a b~!", "", "a b~!"],
  ])("accepts %s", (_name, header, requestId, expected) => {
    expect(resolveIdempotencyKey(header, requestId)).toBe(expected);
  });

  it.each([
    ["an empty header", "", "", "Idempotency-Key"],
    ["256 characters", "k".repeat(256), "", "Idempotency-Key"],
    ["a non-ASCII character", "clé", "", "Idempotency-Key"],
    ["a control character", "a\tb", "", "Idempotency-Key"],
    ["header and request_id that differ", "abc", "abd", "Idempotency-Key"],
    ["an over-long request_id", null, "k".repeat(256), "request_id"],
    ["a non-ASCII request_id", null, "ключ", "request_id"],
  ])("rejects %s with 902 naming the field", (_name, header, requestId, field) => {
    let thrown: unknown;
    try {
      resolveIdempotencyKey(header, requestId);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe("AVNOLOGY_AUTH_902");
    expect((thrown as AppError).details.field).toBe(field);
  });
});

describe("contract detection", () => {
  it("takes part when the request has a string request_id field", () => {
    expect(hasRequestIdField(CreateIdentityRequestSchema)).toBe(true);
    expect(hasRequestIdField(GetIdentityRequestSchema)).toBe(false);
  });

  it("recognises validate_only requests", () => {
    expect(isValidateOnly(CreateIdentityRequestSchema, create(CreateIdentityRequestSchema, { validateOnly: true }))).toBe(true);
    expect(isValidateOnly(CreateIdentityRequestSchema, create(CreateIdentityRequestSchema, {}))).toBe(false);
    expect(isValidateOnly(GetIdentityRequestSchema, create(GetIdentityRequestSchema, { id: "x" }))).toBe(false);
  });
});

describe("scopedKeyId", () => {
  const id = (tenantId: string, subject: string, key: string, organizationId?: string) =>
    scopedKeyId({ tenantId, subject, organizationId }, key);

  it("scopes a key to its tenant and caller", () => {
    const base = id("ten_a", "key_1", "k");
    expect(id("ten_a", "key_1", "k")).toBe(base);
    expect(id("ten_b", "key_1", "k")).not.toBe(base);
    expect(id("ten_a", "key_2", "k")).not.toBe(base);
    expect(id("ten_a", "key_1", "k2")).not.toBe(base);
    // No ambiguity from concatenation.
    expect(id("a", "bc", "k")).not.toBe(id("ab", "c", "k"));
  });

  it("scopes a key to the caller's organization binding: a tenant-wide and an org-bound token of one subject never share it", () => {
    const tenantWide = id("ten_a", "oauth:alice", "k");
    expect(id("ten_a", "oauth:alice", "k", "org_1")).not.toBe(tenantWide);
    expect(id("ten_a", "oauth:alice", "k", "org_1")).not.toBe(id("ten_a", "oauth:alice", "k", "org_2"));
    expect(id("ten_a", "oauth:alice", "k", "org_1")).toBe(id("ten_a", "oauth:alice", "k", "org_1"));
  });
});
