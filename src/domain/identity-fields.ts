// The identity's fields, described once. Everything that handles an identity
// field by field reads this table instead of listing the fields again:
// the domain types and empty values (identity.ts), validation
// (identity-validation.ts), update masks (update-mask.ts), the admin-only
// rules (src/auth/permissions.ts), the protobuf conversions
// (src/transport/connect/identity-convert.ts), the stored document
// (src/store/identity-store.ts) and the value echoed in 902 details
// (src/services/identities/create-identity.ts).
//
// It is tied to the contract by test/unit/domain/identity-fields.test.ts:
// every field of the proto message avnology.identity.v1.Identity must be
// here, with the same name, kind, OUTPUT_ONLY and REQUIRED field behaviour
// (the proto stays the place where a field is declared and documented;
// this module keeps the domain free of protobuf). Adding a field = declaring
// it in identity.proto, regenerating, and adding one row here.
//
// Row order is the order violations are reported in and admin-only fields
// are named in.
import { emailUniquenessKey } from "./validation/email.js";
import {
  booleanRule,
  emailRule,
  externalIdRule,
  jsonObjectRule,
  localeRule,
  nameRule,
  oneOfRule,
  organizationIdRule,
  phoneRule,
  timeZoneRule,
  usernameRule,
  type FieldRule,
} from "./identity-field-rules.js";

export const identityStates = ["active", "inactive"] as const;
export type IdentityState = (typeof identityStates)[number];
/** What an identity is when the client does not say. */
export const defaultIdentityState: IdentityState = "active";

/** How the value is represented: string / bool scalars, a JSON object (google.protobuf.Struct), an instant (Timestamp). */
export type FieldKind = "string" | "bool" | "json" | "timestamp";

/**
 * - writable: the client sets it on create and changes it through update masks.
 * - output_only: set by the server (google.api.field_behavior = OUTPUT_ONLY).
 * - concurrency_token: the etag (AIP-154): sent back to guard a write, derived
 *   from the stored version, never itself stored or changed.
 */
export type FieldAccess = "writable" | "output_only" | "concurrency_token";

export interface UniqueKey {
  /** The lookup form that decides uniqueness per tenant (stored as `<proto>_key`). */
  readonly normalize: (value: string) => string;
  /** Optional fields: an unset value is stored as a per-identity sentinel so the unique index never sees two equal "missing" values. */
  readonly optional: boolean;
  /** The catalogue's 409 code when the value is taken. */
  readonly conflictCode: "AVNOLOGY_AUTH_014" | "AVNOLOGY_AUTH_015" | "AVNOLOGY_AUTH_016";
}

export interface IdentityFieldSpec {
  /** The proto field name: the JSON name on REST, the update-mask path, the stored document key. */
  readonly proto: string;
  readonly kind: FieldKind;
  readonly access: FieldAccess;
  /** google.api.field_behavior = REQUIRED: must be non-empty on create (and when masked on update). */
  readonly required?: boolean;
  /** "write": only a tenant admin may set it; "read_write": only a tenant admin may set or see it. */
  readonly adminOnly?: "write" | "read_write";
  readonly unique?: UniqueKey;
  /** A 902's details.value may echo it (short identifiers and codes; never names or free text). */
  readonly echo?: boolean;
  /** Writable fields: checks and normalises the value (identity-field-rules.ts). */
  readonly rule?: FieldRule;
  /** A string limited to these values ("" = the rule's default). */
  readonly values?: readonly string[];
}

/** Lookup keys that make email / username / external_id unique per tenant. */
/** The email's uniqueness key per tenant: see emailUniquenessKey (NFKC + full case folding, IDNA domain). */
export function normalizeEmail(email: string): string {
  return emailUniquenessKey(email);
}

export function normalizeUsername(username: string): string {
  return username.normalize("NFC").toLowerCase();
}

const verbatim = (value: string): string => value;

/** Keyed by the protobuf-es local name (lowerCamelCase of the proto name), which is also the domain name. */
export const identityFieldTable = {
  id: { proto: "id", kind: "string", access: "output_only" },
  email: {
    proto: "email", kind: "string", access: "writable", required: true, echo: true, rule: emailRule,
    unique: { normalize: normalizeEmail, optional: false, conflictCode: "AVNOLOGY_AUTH_014" },
  },
  username: {
    proto: "username", kind: "string", access: "writable", echo: true, rule: usernameRule,
    unique: { normalize: normalizeUsername, optional: true, conflictCode: "AVNOLOGY_AUTH_015" },
  },
  firstName: { proto: "first_name", kind: "string", access: "writable", rule: nameRule },
  lastName: { proto: "last_name", kind: "string", access: "writable", rule: nameRule },
  displayName: { proto: "display_name", kind: "string", access: "writable", rule: nameRule },
  phone: { proto: "phone", kind: "string", access: "writable", echo: true, rule: phoneRule },
  organizationId: { proto: "organization_id", kind: "string", access: "writable", echo: true, rule: organizationIdRule },
  locale: { proto: "locale", kind: "string", access: "writable", echo: true, rule: localeRule },
  timezone: { proto: "timezone", kind: "string", access: "writable", echo: true, rule: timeZoneRule },
  externalId: {
    proto: "external_id", kind: "string", access: "writable", echo: true, rule: externalIdRule,
    unique: { normalize: verbatim, optional: true, conflictCode: "AVNOLOGY_AUTH_016" },
  },
  traits: { proto: "traits", kind: "json", access: "writable", rule: jsonObjectRule },
  adminMetadata: { proto: "admin_metadata", kind: "json", access: "writable", adminOnly: "read_write", rule: jsonObjectRule },
  metadata: { proto: "metadata", kind: "json", access: "writable", rule: jsonObjectRule },
  emailVerified: { proto: "email_verified", kind: "bool", access: "writable", adminOnly: "write", rule: booleanRule },
  phoneVerified: { proto: "phone_verified", kind: "bool", access: "writable", adminOnly: "write", rule: booleanRule },
  state: {
    proto: "state", kind: "string", access: "writable", adminOnly: "write", echo: true, values: identityStates,
    rule: oneOfRule(identityStates, defaultIdentityState),
  },
  createdAt: { proto: "created_at", kind: "timestamp", access: "output_only" },
  updatedAt: { proto: "updated_at", kind: "timestamp", access: "output_only" },
  createdBy: { proto: "created_by", kind: "string", access: "output_only" },
  updatedBy: { proto: "updated_by", kind: "string", access: "output_only" },
  etag: { proto: "etag", kind: "string", access: "concurrency_token" },
} as const satisfies Record<string, IdentityFieldSpec>;

type Table = typeof identityFieldTable;
export type IdentityFieldKey = keyof Table;
/** The fields a client may write (create / update masks). */
export type WritableField = { [K in IdentityFieldKey]: Table[K]["access"] extends "writable" ? K : never }[IdentityFieldKey];

export type FieldRow<K extends IdentityFieldKey = IdentityFieldKey> = IdentityFieldSpec & { readonly key: K };
export type WritableFieldRow = FieldRow<WritableField> & { readonly rule: FieldRule };

/** Every row, in table order. */
export const identityFields: readonly FieldRow[] = Object.freeze(
  (Object.entries(identityFieldTable) as [IdentityFieldKey, IdentityFieldSpec][]).map(([key, spec]) => ({ ...spec, key })),
);

export const writableIdentityFields: readonly WritableFieldRow[] = identityFields.filter(
  (row): row is WritableFieldRow => row.access === "writable",
);

export const identityFieldByProto: ReadonlyMap<string, FieldRow> = new Map(identityFields.map((row) => [row.proto, row]));

/** The value of a writable field that the client did not set (proto3 defaults: "", false, no object). */
export function emptyValueOf(kind: FieldKind): string | boolean | undefined {
  return kind === "string" ? "" : kind === "bool" ? false : undefined;
}
