// Clears every field marked `[debug_redact = true]` in a message, recursively,
// before a response is stored for replay: secrets (a new API key's secret, a
// password) are never written to the idempotency store.
import { clone, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";

export function withoutSecrets<M extends Message>(schema: DescMessage, message: M): M {
  const copy = clone(schema, message as never) as unknown as M;
  clearSecrets(schema, copy as unknown as Record<string, unknown>);
  return copy;
}

function clearSecrets(schema: DescMessage, message: Record<string, unknown>): void {
  // Well-known types hold no secrets, and some (Struct, wrappers) are plain
  // JSON / scalars in protobuf-es rather than messages.
  if (schema.typeName.startsWith("google.protobuf.")) return;
  for (const field of schema.fields) {
    if (field.proto.options?.debugRedact === true) {
      clearField(field, message);
      continue;
    }
    if (field.fieldKind === "message") {
      const nested = message[field.localName];
      if (nested && typeof nested === "object") clearSecrets(field.message, nested as Record<string, unknown>);
    } else if (field.fieldKind === "list" && field.listKind === "message") {
      for (const item of message[field.localName] as Record<string, unknown>[]) clearSecrets(field.message, item);
    } else if (field.fieldKind === "map" && field.mapKind === "message") {
      for (const item of Object.values(message[field.localName] as Record<string, Record<string, unknown>>)) {
        clearSecrets(field.message, item);
      }
    }
  }
}

/** Unsets a field: its zero value, an empty list or map, no message, no oneof case. */
function clearField(field: DescField, message: Record<string, unknown>): void {
  if (field.oneof) {
    const group = message[field.oneof.localName] as { case?: string } | undefined;
    if (group?.case === field.localName) message[field.oneof.localName] = { case: undefined };
    return;
  }
  if (field.fieldKind === "list") message[field.localName] = [];
  else if (field.fieldKind === "map") message[field.localName] = {};
  else if (field.fieldKind === "message") message[field.localName] = undefined;
  else message[field.localName] = emptyLike(message[field.localName]);
}

function emptyLike(value: unknown): unknown {
  if (typeof value === "string") return "";
  if (typeof value === "number") return 0;
  if (typeof value === "bigint") return 0n;
  if (typeof value === "boolean") return false;
  if (value instanceof Uint8Array) return new Uint8Array(0);
  return undefined;
}
