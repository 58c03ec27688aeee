// No string of a request may hold U+0000. Protobuf allows it, MongoDB stores
// it, but it is never part of an id, an address, a name or a trait a client
// means to send, and FerretDB's PostgreSQL backend cannot hold it at all
// (PostgreSQL text and jsonb refuse NUL): without this rule a fuzzed
// `DELETE /v1/api-keys/%00` reached the store and answered 500. Checked once
// per request on every transport, before any database work.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { AppError } from "../../domain/errors.js";

/** The request field (its proto name) holding a NUL somewhere inside it, if any. */
export function fieldWithNul(schema: DescMessage, request: Message): string | undefined {
  const values = request as unknown as Record<string, unknown>;
  for (const field of schema.fields) {
    if (holdsNul(values[field.localName])) return field.name;
  }
  for (const oneof of schema.oneofs) {
    if (holdsNul(values[oneof.localName])) return oneof.name;
  }
  return undefined;
}

/**
 * Any string inside a message value (nested messages, lists, maps and their
 * keys, Struct values, oneofs). Plain loops: this walks every item of a
 * 1,000-item batch, where Object.entries' arrays showed up in profiles.
 */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object" || depth > 64 || value instanceof Uint8Array) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsNul(item, depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (key.includes("\u0000") || holdsNul(record[key], depth + 1)) return true;
  }
  return false;
}

/** Throws 902 naming the field when a string of the request holds U+0000. */
export function refuseNulStrings(schema: DescMessage, request: Message): void {
  const field = fieldWithNul(schema, request);
  if (field === undefined) return;
  const message = "must not contain the NUL character (U+0000)";
  throw new AppError("AVNOLOGY_AUTH_902", { field, violations: [{ field, code: "AVNOLOGY_AUTH_902", message }] });
}
