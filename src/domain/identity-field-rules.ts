// The validation rules that the identity field table (identity-fields.ts)
// attaches to each client-writable field. A rule checks one value and returns
// it normalised (trimmed, canonicalised, defaulted) with every violation
// found; it never throws for bad input. Pure: no I/O, no clock.
//
// Decisions (details in the rule modules of ./validation/):
// - email: trimmed, otherwise stored as given; dot-atom addr-spec checked by
//   @hapi/address; Unicode local parts and IDN domains accepted (RFC 6531);
//   the domain needs a dot; quoted local parts, comments, IP literals and
//   display names rejected; at most 254 code points.
// - names: trimmed and NFC-normalised (canonically equivalent, so not a visible
//   change), at most 255 code points counted after NFC; control characters
//   (Cc), bidi controls and other invisible characters rejected, while ZWJ/ZWNJ
//   and variation selectors (scripts, emoji) are allowed.
// - identifiers and codes (username, phone, organization_id, locale, timezone,
//   external_id) are not trimmed: surrounding white space is a violation.
// - phone: exact E.164 only, checked for real-number validity; no reformatting.
// - locale: canonicalised by Intl.getCanonicalLocales (`en-us` → `en-US`), its
//   subtags registered at IANA.
// - timezone: IANA names as ICU knows them; offsets and POSIX-style names
//   (`EST5EDT`) rejected; case fixed when only the case differs.
// - JSON objects (traits, metadata, admin_metadata): never altered; see
//   validation/json-object.ts.
// - state: "" means the default, and becomes it here (the one place the
//   default is applied).
import type { Violation } from "./errors.js";
import { emailViolation } from "./validation/email.js";
import { validateJsonObject } from "./validation/json-object.js";
import { canonicalizeLocale } from "./validation/locale.js";
import { phoneViolation } from "./validation/phone.js";
import { certainlyLongerThan, codePointLength, findForbiddenCharacter, violation } from "./validation/text.js";
import { canonicalizeTimeZone } from "./validation/time-zone.js";

export interface RuleOutcome {
  /** The normalised value; the input itself when there is nothing to normalise. */
  readonly value: unknown;
  readonly violations: readonly Violation[];
}

/** Checks (and normalises) one field's value; `path` names it in violations. */
export type FieldRule = (value: unknown, path: string) => RuleOutcome;

export const usernameMinLength = 3;
export const usernameMaxLength = 64;
/** Limit for first_name, last_name, display_name and external_id, in code points. */
export const maxTextLength = 255;

const usernameChars = /^[A-Za-z0-9_-]*$/;
const organizationIdPattern = /^org_[a-z0-9-]{1,64}$/;

/** `org_` followed by 1–64 characters of a-z, 0-9 and '-'. */
export function isValidOrganizationId(id: string): boolean {
  return organizationIdPattern.test(id);
}

const ok = (value: unknown): RuleOutcome => ({ value, violations: [] });
const typeName = (value: unknown): string => (value === null ? "null" : typeof value);

/** A string rule: anything else is one "must be a string" violation. */
function stringRule(check: (s: string, path: string) => RuleOutcome): FieldRule {
  return (value, path) =>
    typeof value === "string" ? check(value, path) : { value, violations: [violation(path, `must be a string, not ${typeName(value)}`)] };
}

/** An optional string: "" is valid (unset) and skips the check. */
function optionalString(check: (s: string, path: string) => Violation[]): FieldRule {
  return stringRule((s, path) => ({ value: s, violations: s === "" ? [] : check(s, path) }));
}

/** A string that a canonicaliser rewrites (locale, timezone); "" is unset. */
function canonicalString(canonicalize: (s: string, path: string) => { value: string } | { violation: Violation }): FieldRule {
  return stringRule((s, path) => {
    if (s === "") return ok(s);
    const r = canonicalize(s, path);
    return "violation" in r && r.violation !== undefined ? { value: s, violations: [r.violation] } : ok((r as { value: string }).value);
  });
}

export const emailRule: FieldRule = stringRule((raw, path) => {
  const email = raw.trim();
  if (email === "") return { value: email, violations: [violation(path, "is required: expected an address like name@example.com")] };
  const v = emailViolation(email, path);
  return { value: email, violations: v === undefined ? [] : [v] };
});

export const usernameRule: FieldRule = optionalString((username, path) => {
  const violations: Violation[] = [];
  const length = certainlyLongerThan(username, usernameMaxLength) ? Number.POSITIVE_INFINITY : codePointLength(username);
  if (length < usernameMinLength || length > usernameMaxLength) {
    violations.push(violation(path, `must be ${usernameMinLength} to ${usernameMaxLength} characters long`));
  }
  if (!usernameChars.test(username)) {
    violations.push(violation(path, "may contain only the letters A-Z and a-z, the digits 0-9, '-' and '_'"));
  }
  return violations;
});

/**
 * NFC can turn one code point into at most 3 and 4 code points into one, so a
 * string longer than this (in UTF-16 units) cannot be within `max` code points
 * after normalising: rejected without normalising it.
 */
function certainlyTooLongForNfc(s: string, max: number): boolean {
  return s.length > 2 * 4 * max;
}

/** first_name, last_name, display_name: human-readable text. */
export const nameRule: FieldRule = stringRule((raw, path) => {
  const trimmed = raw.trim();
  const tooLong = certainlyTooLongForNfc(trimmed, maxTextLength);
  // A lone surrogate cannot be normalised meaningfully; keep the trimmed text.
  const value = findForbiddenCharacter(trimmed, "unicode") === undefined && !tooLong ? trimmed.normalize("NFC") : trimmed;
  const violations: Violation[] = [];
  if (tooLong || codePointLength(value) > maxTextLength) {
    violations.push(violation(path, `must be at most ${maxTextLength} characters (Unicode code points) long`));
  }
  const bad = findForbiddenCharacter(value, "name");
  if (bad !== undefined) violations.push(violation(path, `must not contain control, invisible or text-direction characters; found ${bad}`));
  return { value, violations };
});

export const phoneRule: FieldRule = optionalString((phone, path) => {
  const v = phoneViolation(phone, path);
  return v === undefined ? [] : [v];
});

export const organizationIdRule: FieldRule = optionalString((id, path) =>
  isValidOrganizationId(id) ? [] : [violation(path, "must be 'org_' followed by 1 to 64 lowercase letters a-z, digits 0-9 or '-'")],
);

export const localeRule: FieldRule = canonicalString(canonicalizeLocale);
export const timeZoneRule: FieldRule = canonicalString(canonicalizeTimeZone);

/** An identifier of the integrating system: any text without control characters. */
export const externalIdRule: FieldRule = optionalString((externalId, path) => {
  const violations: Violation[] = [];
  if (certainlyLongerThan(externalId, maxTextLength) || codePointLength(externalId) > maxTextLength) {
    violations.push(violation(path, `must be at most ${maxTextLength} characters (Unicode code points) long`));
  }
  const bad = findForbiddenCharacter(externalId, "control");
  if (bad !== undefined) violations.push(violation(path, `must not contain control characters; found ${bad}`));
  return violations;
});

/** A JSON object of custom data (traits, metadata, admin_metadata); never altered. */
export const jsonObjectRule: FieldRule = (value, path) => ({ value, violations: validateJsonObject(value, path) });

export const booleanRule: FieldRule = (value, path) =>
  typeof value === "boolean" ? ok(value) : { value, violations: [violation(path, `must be a boolean, not ${typeName(value)}`)] };

/** One of `values`; "" means `defaultValue`, which it becomes. */
export function oneOfRule(values: readonly string[], defaultValue: string): FieldRule {
  const list = values.map((s) => `"${s}"`).join(", ");
  return (value, path) => {
    if (value === "") return ok(defaultValue);
    if (typeof value === "string" && values.includes(value)) return ok(value);
    return { value, violations: [violation(path, `must be one of ${list} (or empty for the default, "${defaultValue}")`)] };
  };
}
