import { describe, expect, it } from "vitest";
import { CreateIdentityRequestSchema, UpdateIdentityRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { implicitUpdateMask } from "../../../src/transport/rest/implicit-mask.js";

const path = new Map([["identity.id", "usr_1"]]);

describe("implicitUpdateMask (REST PATCH without ?update_mask)", () => {
  it.each([
    ["snake_case keys", { display_name: "J", phone: "" }, "displayName,phone"],
    ["camelCase keys", { firstName: "J" }, "firstName"],
    ["the path-bound id and the etag left out", { id: "usr_1", etag: "v1", last_name: "S" }, "lastName"],
    ["an empty body", {}, ""],
    ["unknown keys left to the shape check", { nickname: "x", state: "inactive" }, "state"],
  ])("%s", (_name, body, mask) => {
    expect(implicitUpdateMask(UpdateIdentityRequestSchema, "identity", body, path)).toBe(mask);
  });

  it("does nothing for requests without an update_mask or bodies that are not objects", () => {
    expect(implicitUpdateMask(CreateIdentityRequestSchema, "identity", { email: "a@b.co" }, new Map())).toBeUndefined();
    expect(implicitUpdateMask(UpdateIdentityRequestSchema, "identity", ["x"], path)).toBeUndefined();
  });
});
