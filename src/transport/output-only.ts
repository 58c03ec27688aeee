// Rejects output-only fields (google.api.field_behavior = OUTPUT_ONLY) that a
// client set, on every transport, by reading the contract rather than a list.
import { getOption, hasOption, isFieldSet, type DescMessage, type Message } from "@bufbuild/protobuf";
import { field_behavior } from "../../gen/google/api/field_behavior_pb.js";
import { FieldBehavior } from "../../gen/google/api/field_behavior_pb.js";
import type { Violation } from "../domain/errors.js";

export function outputOnlyViolations(schema: DescMessage, message: Message, path: string): Violation[] {
  const violations: Violation[] = [];
  for (const field of schema.fields) {
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    if (!isFieldSet(message, field)) continue;
    if (hasOption(field, field_behavior) && getOption(field, field_behavior).includes(FieldBehavior.OUTPUT_ONLY)) {
      violations.push({ field: fieldPath, code: "AVNOLOGY_AUTH_902", message: "is output only and cannot be set" });
      continue;
    }
    if (field.fieldKind === "message" && field.message.file.name.startsWith("avnology/")) {
      const nested = (message as unknown as Record<string, unknown>)[field.localName] as Message;
      violations.push(...outputOnlyViolations(field.message, nested, fieldPath));
    }
  }
  return violations;
}
