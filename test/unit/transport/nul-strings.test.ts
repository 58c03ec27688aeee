import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RevokeApiKeyRequestSchema } from "../../../gen/avnology/identity/v1/api_key_service_pb.js";
import { CreateIdentityRequestSchema, ListIdentitiesRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { AppError } from "../../../src/domain/errors.js";
import { fieldWithNul, refuseNulStrings } from "../../../src/transport/contract/nul-strings.js";

describe("fieldWithNul", () => {
  it.each([
    ["a path id", RevokeApiKeyRequestSchema, { id: "key_\u0000" }, "id"],
    ["a nested field", CreateIdentityRequestSchema, { identity: { email: "a\u0000@example.com" } }, "identity"],
    ["a Struct value", CreateIdentityRequestSchema, { identity: { email: "a@example.com", traits: { a: "x\u0000" } } }, "identity"],
    ["a Struct key", CreateIdentityRequestSchema, { identity: { email: "a@example.com", metadata: { "k\u0000": 1 } } }, "identity"],
    ["a top-level string", CreateIdentityRequestSchema, { identity: { email: "a@example.com" }, initialPassword: "pass\u0000word" }, "initial_password"],
    ["a list filter", ListIdentitiesRequestSchema, { email: "\u0000" }, "email"],
    ["nothing", CreateIdentityRequestSchema, { identity: { email: "a@example.com", traits: { nested: { list: ["x", 1, true, null] } } } }, undefined],
  ] as const)("finds %s", (_name, schema, init, expected) => {
    expect(fieldWithNul(schema, create(schema as never, init as never))).toBe(expected);
  });

  it("answers 902 naming the field, without echoing the value", () => {
    const request = create(RevokeApiKeyRequestSchema, { id: "\u0000" });
    const refused = (() => {
      try {
        refuseNulStrings(RevokeApiKeyRequestSchema, request);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "id" } });
    expect((refused as AppError).details.value).toBeUndefined();
  });
});
