// AIP-134 update masks for Identity: which mask paths name a writable field,
// which name an immutable one, and how a mask turns a stored identity plus the
// request's values into the identity to store. Pure: no I/O.
//
// Decisions:
// - Paths are the snake_case proto names (`display_name`); `*` means every
//   writable field (full replacement, AIP-134).
// - Sub-paths (`traits.department`) are refused: traits, metadata and
//   admin_metadata are replaced as whole objects.
// - Without a mask (gRPC/Connect, where proto3 cannot tell "absent" from
//   "empty"), the mask is every writable field set to a non-default value in
//   the request: such a call can set fields but never clear them. REST
//   computes the mask from the body's keys instead (src/transport/rest/).
//
// Which fields are writable and which exist but are immutable (OUTPUT_ONLY in
// the proto, and the etag) comes from the field table (identity-fields.ts),
// whose access column is checked against the proto's field_behavior.
import type { Violation } from "./errors.js";
import { emptyIdentityFields, type IdentityFields } from "./identity.js";
import { identityFields, writableIdentityFields, type WritableField } from "./identity-fields.js";

export type { WritableField } from "./identity-fields.js";

const byProtoName: ReadonlyMap<string, WritableField> = new Map(writableIdentityFields.map((row) => [row.proto, row.key]));

/** Identity fields that exist but can never be changed through an update mask. */
const immutableFields: ReadonlySet<string> = new Set(identityFields.filter((row) => row.access !== "writable").map((row) => row.proto));

export interface ParsedMask {
  readonly fields: ReadonlySet<WritableField>;
  readonly violations: readonly Violation[];
}

/** Reads mask paths; every unknown or immutable path is a 902 violation on `update_mask`. */
export function parseUpdateMask(paths: readonly string[]): ParsedMask {
  const fields = new Set<WritableField>();
  const violations: Violation[] = [];
  const fail = (message: string): void => {
    violations.push({ field: "update_mask", code: "AVNOLOGY_AUTH_902", message });
  };
  for (const raw of paths) {
    const path = raw.trim();
    if (path === "*") {
      for (const key of byProtoName.values()) fields.add(key);
      continue;
    }
    const key = byProtoName.get(path);
    if (key !== undefined) fields.add(key);
    else if (immutableFields.has(path)) fail(`names ${quote(path)}, which cannot be changed`);
    else if (byProtoName.has(path.split(".")[0] ?? "")) fail(`names ${quote(path)}: sub-fields cannot be updated, name the whole field`);
    else fail(`names ${quote(path)}, which is not a field of Identity`);
  }
  return { fields, violations };
}

/** The implicit mask of a request without one: every writable field with a non-default value. */
export function implicitMask(values: IdentityFields): Set<WritableField> {
  const defaults = emptyIdentityFields();
  const fields = new Set<WritableField>();
  for (const key of byProtoName.values()) {
    if (values[key] !== defaults[key]) fields.add(key);
  }
  return fields;
}

/** The stored fields with the masked ones taken from the request (absent in the request = cleared). */
export function applyMask(current: IdentityFields, values: IdentityFields, mask: ReadonlySet<WritableField>): IdentityFields {
  const next: IdentityFields = { ...current };
  for (const key of mask) (next as unknown as Record<string, unknown>)[key] = values[key];
  return next;
}

/** Mask paths are echoed sanitised and short: they come from the client. */
function quote(path: string): string {
  const clean = path.replace(/[^\w.*-]/g, "?");
  return `"${clean.length > 64 ? `${clean.slice(0, 64)}…` : clean}"`;
}
