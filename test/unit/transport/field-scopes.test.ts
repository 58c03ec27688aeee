// Request fields gated by their own scope, declared in the contract
// (`field_required_scope`) and checked by the pipeline's scope step after the
// RPC's scope: CreateIdentityRequest.password_hash needs admin:users:import.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { BatchCreateIdentitiesRequestSchema, CreateIdentityRequestSchema, GetIdentityRequestSchema, IdentityService } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { scopes, type Caller } from "../../../src/auth/caller.js";
import { importScope } from "../../../src/auth/permissions.js";
import { fieldScopeOf, hasGatedFields, setGatedFields } from "../../../src/transport/contract/field-scopes.js";
import { scopeStep } from "../../../src/transport/pipeline/scope-step.js";

const caller = (granted: readonly string[]): Caller => ({ kind: "api_key", subject: "key_x", tenantId: "ten_x", scopes: new Set(granted) });
const hash = "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

describe("field scopes declared in the contract", () => {
  it("password_hash declares admin:users:import, the scope the create use case re-checks", () => {
    const field = CreateIdentityRequestSchema.fields.find((f) => f.name === "password_hash")!;
    expect(fieldScopeOf(field)).toBe("admin:users:import");
    expect(importScope).toBe("admin:users:import");
    expect(field.proto.options?.debugRedact).toBe(true);
    expect(hasGatedFields(CreateIdentityRequestSchema)).toBe(true);
    expect(hasGatedFields(GetIdentityRequestSchema)).toBe(false);
  });

  it("lists a gated field only when it is set", () => {
    expect(setGatedFields(CreateIdentityRequestSchema, create(CreateIdentityRequestSchema, {}))).toEqual([]);
    expect(setGatedFields(CreateIdentityRequestSchema, create(CreateIdentityRequestSchema, { passwordHash: hash }))).toEqual([
      { field: "password_hash", scope: "admin:users:import" },
    ]);
  });

  it("leaves the items of a field_scopes_per_item list to the service (a batch fails that item alone)", () => {
    const batch = create(BatchCreateIdentitiesRequestSchema, { requests: [{ identity: { email: "a@example.com" } }, { passwordHash: hash }] });
    expect(setGatedFields(BatchCreateIdentitiesRequestSchema, batch)).toEqual([]);
    const writer = caller(scopes.filter((s) => s !== "admin:users:import"));
    expect(() => scopeStep(IdentityService.method.batchCreateIdentities)!(writer, batch)).not.toThrow();
  });

  it("the scope step refuses a set password_hash without admin:users:import with 403 naming the field", () => {
    const step = scopeStep(IdentityService.method.createIdentity)!;
    const writer = caller(scopes.filter((s) => s !== "admin:users:import"));
    expect(() => step(writer, create(CreateIdentityRequestSchema, {}))).not.toThrow();
    expect(() => step(writer, create(CreateIdentityRequestSchema, { passwordHash: hash }))).toThrow(
      expect.objectContaining({ code: "AVNOLOGY_AUTH_100", details: expect.objectContaining({ field: "password_hash" }) }),
    );
    expect(() => step(caller(scopes), create(CreateIdentityRequestSchema, { passwordHash: hash }))).not.toThrow();
    // The RPC's own scope first: import alone does not make a writer.
    expect(() => step(caller(["admin:users:import"]), create(CreateIdentityRequestSchema, { passwordHash: hash }))).toThrow(
      /admin:users:write required/,
    );
  });
});
