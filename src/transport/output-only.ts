// Rejects output-only fields (google.api.field_behavior = OUTPUT_ONLY) that a
// client set, on every transport, by reading the contract rather than a list.
//
// Which fields are output only is read from the descriptors once per message
// type, not per request: `getOption` decodes the field's options each time it
// is called, and walking every field of a create request that way cost
// ~87 µs per call (bench/, CreateIdentity) against ~25 µs to decode the whole
// request; with the plan cached the check is a few isFieldSet calls.
import { getOption, hasOption, isFieldSet, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { field_behavior } from "../../gen/google/api/field_behavior_pb.js";
import { FieldBehavior } from "../../gen/google/api/field_behavior_pb.js";
import type { Violation } from "../domain/errors.js";

/** Per field of a message type: output only, or a message of ours to look into. */
interface FieldCheck {
  readonly field: DescField;
  readonly outputOnly: boolean;
  /** Set when the field is a message defined in our own protos (checked recursively). */
  readonly nested: DescMessage | undefined;
}

const plans = new WeakMap<DescMessage, readonly FieldCheck[]>();

function planOf(schema: DescMessage): readonly FieldCheck[] {
  let plan = plans.get(schema);
  if (plan === undefined) {
    plan = schema.fields
      .map((field) => ({
        field,
        outputOnly: hasOption(field, field_behavior) && getOption(field, field_behavior).includes(FieldBehavior.OUTPUT_ONLY),
        nested: field.fieldKind === "message" && field.message.file.name.startsWith("avnology/") ? field.message : undefined,
      }))
      .filter((check) => check.outputOnly || check.nested !== undefined);
    plans.set(schema, plan);
  }
  return plan;
}

export function outputOnlyViolations(schema: DescMessage, message: Message, path: string): Violation[] {
  const violations: Violation[] = [];
  for (const { field, outputOnly, nested } of planOf(schema)) {
    if (!isFieldSet(message, field)) continue;
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    if (outputOnly) {
      violations.push({ field: fieldPath, code: "AVNOLOGY_AUTH_902", message: "is output only and cannot be set" });
    } else if (nested !== undefined) {
      const value = (message as unknown as Record<string, unknown>)[field.localName] as Message;
      violations.push(...outputOnlyViolations(nested, value, fieldPath));
    }
  }
  return violations;
}
