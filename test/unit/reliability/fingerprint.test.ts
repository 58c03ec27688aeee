import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  CreateIdentityRequestSchema,
  GetIdentityRequestSchema,
  IdentityService,
} from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { canonicalJson, requestFingerprint } from "../../../src/reliability/idempotency/fingerprint.js";
import { withoutSecrets } from "../../../src/reliability/idempotency/redact.js";

const key = "server-secret-for-fingerprints";
const createMethod = IdentityService.method.createIdentity;
const getMethod = IdentityService.method.getIdentity;

const init = (traits: Record<string, string>) => ({
  identity: { email: "jane@example.com", firstName: "Jane", traits },
  initialPassword: "SecureP@ssw0rd!",
});
const request = (traits: Record<string, string>, extra: Record<string, unknown> = {}) =>
  create(CreateIdentityRequestSchema, { ...init(traits), ...extra });

describe("requestFingerprint", () => {
  it("is keyed: another server secret gives another fingerprint, and no unkeyed SHA-256 of the request matches", () => {
    const r = request({});
    expect(requestFingerprint(createMethod, r, key)).not.toBe(requestFingerprint(createMethod, r, "another-secret"));
    expect(requestFingerprint(createMethod, r, key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same whatever the order of map and Struct keys", () => {
    const a = request({ department: "Engineering", floor: "3" });
    const b = request({ floor: "3", department: "Engineering" });
    expect(requestFingerprint(createMethod, a, key)).toBe(requestFingerprint(createMethod, b, key));
  });

  it("ignores request_id, which is the key itself", () => {
    const a = request({}, { requestId: "one" });
    const b = request({}, { requestId: "two" });
    expect(requestFingerprint(createMethod, a, key)).toBe(requestFingerprint(createMethod, b, key));
  });

  it.each([
    ["another email", { identity: { email: "john@example.com", firstName: "Jane", traits: {} } }],
    ["another password", { initialPassword: "other passphrase" }],
    ["validate_only", { validateOnly: true }],
  ])("differs for %s", (_name, change) => {
    const base = request({});
    const changed = request({}, change);
    expect(requestFingerprint(createMethod, changed, key)).not.toBe(requestFingerprint(createMethod, base, key));
  });

  it("differs between methods for requests that encode the same (empty) body", () => {
    const emptyCreate = create(CreateIdentityRequestSchema, {});
    const emptyGet = create(GetIdentityRequestSchema, {});
    expect(requestFingerprint(createMethod, emptyCreate, key)).not.toBe(requestFingerprint(getMethod, emptyGet, key));
  });

  it("is a SHA-256 hex digest and does not contain the password", () => {
    const fp = requestFingerprint(createMethod, request({}), key);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("canonicalJson", () => {
  it.each([
    [{ b: 1, a: [{ d: 2, c: 3 }] }, '{"a":[{"c":3,"d":2}],"b":1}'],
    [[3, "x", null, true], '[3,"x",null,true]'],
    ["s", '"s"'],
  ])("renders %j as %s", (value, expected) => {
    expect(canonicalJson(value as never)).toBe(expected);
  });
});

describe("withoutSecrets", () => {
  it("clears fields marked debug_redact and keeps the rest, without touching the original", () => {
    const original = request({ department: "Engineering" });
    const cleared = withoutSecrets(CreateIdentityRequestSchema, original);
    expect(cleared.initialPassword).toBe("");
    expect(cleared.identity?.email).toBe("jane@example.com");
    expect(cleared.identity?.traits).toEqual({ department: "Engineering" });
    expect(original.initialPassword).toBe("SecureP@ssw0rd!");
  });
});
