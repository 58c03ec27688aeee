// The fingerprint of a request: HMAC-SHA256 (keyed with a server secret) over
// the method's full name and a
// canonical JSON of the request with `request_id` cleared. Canonical JSON
// (proto3 JSON with keys sorted at every level) rather than binary protobuf,
// because binary encoding of maps and Struct follows insertion order, so the
// same REST body with its keys in another order would differ. Keyed, because
// the request may hold a password (SetPassword, CreateIdentity): an unkeyed
// hash of it, stored for 24 h, could be brute-forced offline for weak ones.
import { createHmac } from "node:crypto";
import { clone, toJson, type DescMethod, type JsonValue, type Message } from "@bufbuild/protobuf";

export function requestFingerprint(method: DescMethod, request: Message, key: string): string {
  const copy = clone(method.input, request as never) as unknown as Record<string, unknown>;
  const requestId = method.input.fields.find((f) => f.name === "request_id");
  if (requestId) copy[requestId.localName] = "";
  const json = toJson(method.input, copy as never);
  return createHmac("sha256", key)
    .update(`${method.parent.typeName}/${method.name}\n`)
    .update(canonicalJson(json))
    .digest("hex");
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(",")}}`;
}
