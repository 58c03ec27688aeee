// The identity field table (src/domain/identity-fields.ts) against the
// contract: avnology.identity.v1.Identity's fields and their
// google.api.field_behavior options. A field added to the proto fails here
// until the table names it; then it is validated, stored, converted, maskable
// and documented (the proto comment) through the table alone.
import { getOption, hasOption, ScalarType, type DescField } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { IdentitySchema } from "../../../gen/avnology/identity/v1/identity_pb.js";
import { FieldBehavior, field_behavior } from "../../../gen/google/api/field_behavior_pb.js";
import { emptyIdentityFields } from "../../../src/domain/identity.js";
import { identityFieldByProto, identityFields, writableIdentityFields, type FieldKind } from "../../../src/domain/identity-fields.js";
import { parseUpdateMask } from "../../../src/domain/update-mask.js";

function behaviourOf(field: DescField): FieldBehavior[] {
  return hasOption(field, field_behavior) ? getOption(field, field_behavior) : [];
}

function kindOf(field: DescField): FieldKind | string {
  if (field.fieldKind === "scalar") {
    if (field.scalar === ScalarType.STRING) return "string";
    if (field.scalar === ScalarType.BOOL) return "bool";
    return ScalarType[field.scalar];
  }
  if (field.fieldKind === "message") {
    if (field.message.typeName === "google.protobuf.Struct") return "json";
    if (field.message.typeName === "google.protobuf.Timestamp") return "timestamp";
    return field.message.typeName;
  }
  return field.fieldKind;
}

describe("the identity field table", () => {
  it("names every field of the proto message Identity, and no other", () => {
    const missing = IdentitySchema.fields.filter((f) => !identityFieldByProto.has(f.name)).map((f) => f.name);
    expect(missing, "add these proto fields to src/domain/identity-fields.ts").toEqual([]);
    const extra = identityFields.filter((row) => IdentitySchema.fields.every((f) => f.name !== row.proto)).map((row) => row.proto);
    expect(extra, "these table rows are not fields of the proto").toEqual([]);
  });

  it.each(IdentitySchema.fields.map((f) => [f.name, f] as const))("agrees with the proto on %s", (_name, field) => {
    const row = identityFieldByProto.get(field.name);
    if (row === undefined) return; // reported once, by the test above
    // The row's key is the protobuf-es local name: conversions copy by it.
    expect(row.key).toBe(field.localName);
    expect(row.kind).toBe(kindOf(field));
    const behaviour = behaviourOf(field);
    expect(row.access === "output_only", "access output_only ⇔ OUTPUT_ONLY").toBe(behaviour.includes(FieldBehavior.OUTPUT_ONLY));
    expect(row.required === true, "required ⇔ REQUIRED").toBe(behaviour.includes(FieldBehavior.REQUIRED));
  });

  it("gives every writable field a rule, and only writable fields admin-only, unique or echo flags", () => {
    for (const row of writableIdentityFields) expect(typeof row.rule, row.proto).toBe("function");
    for (const row of identityFields.filter((r) => r.access !== "writable")) {
      expect([row.rule, row.adminOnly, row.unique, row.echo], row.proto).toEqual([undefined, undefined, undefined, undefined]);
    }
  });

  it("makes every writable field maskable and every other field immutable", () => {
    for (const row of identityFields) {
      const mask = parseUpdateMask([row.proto]);
      if (row.access === "writable") {
        expect(mask.violations, row.proto).toEqual([]);
        expect([...mask.fields]).toEqual([row.key]);
      } else {
        expect(mask.violations[0]?.message, row.proto).toContain("cannot be changed");
      }
    }
    expect(Object.keys(emptyIdentityFields()).sort()).toEqual(writableIdentityFields.map((r) => r.key).sort());
  });
});
