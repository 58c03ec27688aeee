// Validation and normalisation of the client-writable identity fields, for
// create (every field) and update (only the fields in the update mask). Pure:
// no I/O, no clock, no randomness; uniqueness (email, username, external_id)
// is the store's business, not this module's.
//
// Each field's rule is a column of the field table (identity-fields.ts; the
// rules and their decisions are in identity-field-rules.ts). Every rule is
// checked and every violation reported (code AVNOLOGY_AUTH_902), each naming
// its request-relative path (`identity.email`, `identity.traits.a["$where"]`).
// Messages say what is wrong and what is expected, and never echo a submitted
// value (only, sanitised and truncated, the JSON keys they point at).
import type { Violation } from "./errors.js";
import type { IdentityFields, ValidIdentityFields } from "./identity.js";
import { emptyValueOf, writableIdentityFields, type WritableField } from "./identity-fields.js";
import { joinPath, violation } from "./validation/text.js";

export { maxJsonBytes, maxJsonDepth, validateJsonObject } from "./validation/json-object.js";
export { isValidOrganizationId, maxTextLength, usernameMaxLength, usernameMinLength } from "./identity-field-rules.js";

export interface ValidatedIdentity {
  /**
   * The normalised values (trimmed, canonicalised, defaults applied). Only
   * valid when there are no violations; a field with a violation keeps the
   * value it was given.
   */
  fields: ValidIdentityFields;
}

export interface IdentityValidationResult extends ValidatedIdentity {
  /** Every violation found; empty when the fields are valid. */
  violations: Violation[];
}

export interface IdentityValidationOptions {
  /** Path prefix of the fields in the request; default "identity". "" names fields bare. */
  path?: string;
  /**
   * When given, only these fields are checked (an update mask); the others are
   * returned unchanged. The email is then required only if it is included.
   */
  partial?: ReadonlySet<WritableField>;
}

/** The request (proto / JSON) name of each field, used in violation paths. */
export const identityFieldNames: Readonly<Record<WritableField, string>> = Object.freeze(
  Object.fromEntries(writableIdentityFields.map((row) => [row.key, row.proto])) as Record<WritableField, string>,
);

const identityIdPattern = /^usr_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `usr_` followed by a UUID in lowercase 8-4-4-4-12 hex form. Any UUID version
 * is accepted (the service mints v4, imports may bring others); upper case is
 * not, so one identity has one id spelling.
 */
export function isValidIdentityId(id: string): boolean {
  return identityIdPattern.test(id);
}

/**
 * Validates (and normalises) the client-writable identity fields. Never
 * throws for bad input: every problem becomes a violation.
 */
export function validateIdentityFields(input: IdentityFields, options: IdentityValidationOptions = {}): IdentityValidationResult {
  const prefix = options.path ?? "identity";
  const fields: Record<string, unknown> = { ...input };
  const violations: Violation[] = [];
  for (const row of writableIdentityFields) {
    if (options.partial !== undefined && !options.partial.has(row.key)) continue;
    const path = joinPath(prefix, row.proto);
    const outcome = row.rule(input[row.key], path);
    fields[row.key] = outcome.value;
    violations.push(...outcome.violations);
    // A rule may say more precisely what a required field expects; otherwise this.
    if (row.required && outcome.violations.length === 0 && outcome.value === emptyValueOf(row.kind)) {
      violations.push(violation(path, "is required"));
    }
  }
  return { fields: fields as ValidIdentityFields, violations };
}
