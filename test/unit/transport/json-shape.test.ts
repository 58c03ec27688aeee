import { describe, expect, it } from "vitest";
import { CreateIdentityRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { jsonShapeViolations } from "../../../src/transport/contract/json-shape.js";

describe("JSON shape check of a REST request", () => {
  it("accepts the spec's example, snake_case and camelCase", () => {
    expect(
      jsonShapeViolations(CreateIdentityRequestSchema, {
        identity: { email: "a@example.com", first_name: "A", lastName: "B", traits: { department: "x" } },
        initial_password: "x",
        validateOnly: true,
      }),
    ).toEqual([]);
  });

  it.each([
    ["an unknown top-level key", { identity: { email: "a@b.co" }, bogus: 1 }, ["bogus"]],
    ["an unknown nested key", { identity: { email: "a@b.co", nickname: "x" } }, ["identity.nickname"]],
    ["a number for a string", { identity: { email: 42 } }, ["identity.email"]],
    ["a string for a boolean", { validate_only: "yes" }, ["validate_only"]],
    ["an array for traits", { identity: { email: "a@b.co", traits: [1] } }, ["identity.traits"]],
    ["a string for the identity", { identity: "a@b.co" }, ["identity"]],
    ["several problems at once", { identity: { email: 1, phone: false }, x: 1 }, ["identity.email", "identity.phone", "x"]],
    // protobuf-es's own message for these names no field; the shape check does.
    ["a timestamp that is not RFC 3339", { identity: { created_at: "yesterday" } }, ["identity.created_at"]],
    ["a timestamp with a bad month", { identity: { updated_at: "2026-13-01T00:00:00Z" } }, ["identity.updated_at"]],
  ])("reports %s", (_name, json, fields) => {
    expect(jsonShapeViolations(CreateIdentityRequestSchema, json).map((v) => v.field).sort()).toEqual(fields);
  });

  it.each([[[]], ["text"], [null], [3]])("rejects a non-object body %j", (json) => {
    expect(jsonShapeViolations(CreateIdentityRequestSchema, json)).toEqual([
      { field: "body", code: "AVNOLOGY_AUTH_902", message: "must be a JSON object" },
    ]);
  });
});
