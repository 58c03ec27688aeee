// The identity as the domain sees it: plain data, no I/O, no protobuf.
// Empty strings mean "not set", as in proto3. The client-writable fields are
// not listed here: they come from the field table (identity-fields.ts).
import {
  emptyValueOf,
  writableIdentityFields,
  type IdentityState,
  type WritableField,
  identityFieldTable,
} from "./identity-fields.js";

export { identityStates, normalizeEmail, normalizeUsername, type IdentityState, type WritableField } from "./identity-fields.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

type Table = typeof identityFieldTable;
type ValueOf<Row> = Row extends { readonly values: readonly (infer V)[] }
  ? V | ""
  : Row extends { readonly kind: "string" }
    ? string
    : Row extends { readonly kind: "bool" }
      ? boolean
      : Row extends { readonly kind: "json" }
        ? JsonObject | undefined
        : never;

/** The fields a client may write (create / update), as sent: state "" means "the default". */
export type IdentityFields = { [K in WritableField]: ValueOf<Table[K]> };

/** Validated fields: defaults applied (state is never ""). */
export type ValidIdentityFields = Omit<IdentityFields, "state"> & { state: IdentityState };

/** A stored identity. The password hash never leaves the store and hasher. */
export interface Identity extends ValidIdentityFields {
  id: string;
  tenantId: string;
  createdAt: Date;
  updatedAt: Date | null;
  createdBy: string;
  updatedBy: string;
  /** Incremented on every write; the etag is derived from it. */
  version: number;
}

/** The part before the last "@" ("" when there is none); the password policy checks against it. */
export function emailLocalPart(email: string): string {
  const at = email.lastIndexOf("@");
  return at > 0 ? email.slice(0, at) : "";
}

export function emptyIdentityFields(): IdentityFields {
  const fields: Record<string, unknown> = {};
  for (const row of writableIdentityFields) fields[row.key] = emptyValueOf(row.kind);
  return fields as IdentityFields;
}
