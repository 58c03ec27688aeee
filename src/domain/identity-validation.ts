// Validation and normalisation of the client-writable identity fields, for
// create (every field) and update (only the fields in the update mask). Pure:
// no I/O, no clock, no randomness; uniqueness (email, username, external_id)
// is the store's business, not this module's.
//
// Every rule is checked and every violation reported (code AVNOLOGY_AUTH_902),
// each naming its request-relative path (`identity.email`,
// `identity.traits.a["$where"]`). Messages say what is wrong and what is
// expected, and never echo a submitted value (only, sanitised and truncated,
// the JSON keys they point at).
//
// Decisions (see the rule modules in ./validation/ for details):
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
// - locale: canonicalised by Intl.getCanonicalLocales (`en-us` → `en-US`).
// - timezone: IANA names as ICU knows them; offsets and POSIX-style names
//   (`EST5EDT`) rejected; case fixed when only the case differs.
// - traits / admin_metadata / metadata: never altered; see validation/json-object.ts.
// - state: "" stays "" (the service applies the default, active).
import type { Violation } from "./errors.js";
import { identityStates, type IdentityFields } from "./identity.js";
import { emailViolation } from "./validation/email.js";
import { validateJsonObject } from "./validation/json-object.js";
import { canonicalizeLocale } from "./validation/locale.js";
import { phoneViolation } from "./validation/phone.js";
import {
  certainlyLongerThan,
  codePointLength,
  findForbiddenCharacter,
  joinPath,
  violation,
} from "./validation/text.js";
import { canonicalizeTimeZone } from "./validation/time-zone.js";

export { maxJsonBytes, maxJsonDepth, validateJsonObject } from "./validation/json-object.js";

export interface ValidatedIdentity {
  /** The normalised values (trimmed, canonicalised). */
  fields: IdentityFields;
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
  partial?: ReadonlySet<keyof IdentityFields>;
}

/** The request (proto / JSON) name of each field, used in violation paths. */
export const identityFieldNames: Readonly<Record<keyof IdentityFields, string>> = Object.freeze({
  email: "email",
  username: "username",
  firstName: "first_name",
  lastName: "last_name",
  displayName: "display_name",
  phone: "phone",
  organizationId: "organization_id",
  locale: "locale",
  timezone: "timezone",
  externalId: "external_id",
  traits: "traits",
  adminMetadata: "admin_metadata",
  metadata: "metadata",
  emailVerified: "email_verified",
  phoneVerified: "phone_verified",
  state: "state",
});

export const usernameMinLength = 3;
export const usernameMaxLength = 64;
/** Limit for first_name, last_name, display_name and external_id, in code points. */
export const maxTextLength = 255;

const usernameChars = /^[A-Za-z0-9_-]*$/;
const organizationIdPattern = /^org_[a-z0-9-]{1,64}$/;
const identityIdPattern = /^usr_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `org_` followed by 1–64 characters of a-z, 0-9 and '-'. */
export function isValidOrganizationId(id: string): boolean {
  return organizationIdPattern.test(id);
}

/**
 * `usr_` followed by a UUID in lowercase 8-4-4-4-12 hex form. Any UUID version
 * is accepted (the service mints v4, imports may bring others); upper case is
 * not, so one identity has one id spelling.
 */
export function isValidIdentityId(id: string): boolean {
  return identityIdPattern.test(id);
}

/**
 * NFC can turn one code point into at most 3 and 4 code points into one, so a
 * string longer than this (in UTF-16 units) cannot be within `max` code points
 * after normalising: rejected without normalising it.
 */
function certainlyTooLongForNfc(s: string, max: number): boolean {
  return s.length > 2 * 4 * max;
}

type TextField = "firstName" | "lastName" | "displayName";

/**
 * Validates (and normalises) the client-writable identity fields. Never
 * throws for bad input: every problem becomes a violation.
 */
export function validateIdentityFields(
  input: IdentityFields,
  options: IdentityValidationOptions = {},
): IdentityValidationResult {
  const prefix = options.path ?? "identity";
  const partial = options.partial;
  const fields: IdentityFields = { ...input };
  const violations: Violation[] = [];

  const checked = (key: keyof IdentityFields): boolean => partial === undefined || partial.has(key);
  const at = (key: keyof IdentityFields): string => joinPath(prefix, identityFieldNames[key]);
  const fail = (key: keyof IdentityFields, message: string): void => {
    violations.push(violation(at(key), message));
  };
  /** The field's string value, or undefined (with a violation) when it is not a string. */
  const text = (key: keyof IdentityFields): string | undefined => {
    const value: unknown = input[key];
    if (typeof value === "string") return value;
    fail(key, `must be a string, not ${value === null ? "null" : typeof value}`);
    return undefined;
  };

  if (checked("email")) {
    const raw = text("email");
    if (raw !== undefined) {
      const email = raw.trim();
      fields.email = email;
      if (email === "") fail("email", "is required: expected an address like name@example.com");
      else {
        const v = emailViolation(email, at("email"));
        if (v !== undefined) violations.push(v);
      }
    }
  }

  if (checked("username")) {
    const username = text("username");
    if (username !== undefined && username !== "") {
      const length = certainlyLongerThan(username, usernameMaxLength)
        ? Number.POSITIVE_INFINITY
        : codePointLength(username);
      if (length < usernameMinLength || length > usernameMaxLength) {
        fail("username", `must be ${usernameMinLength} to ${usernameMaxLength} characters long`);
      }
      if (!usernameChars.test(username)) {
        fail("username", "may contain only the letters A-Z and a-z, the digits 0-9, '-' and '_'");
      }
    }
  }

  for (const key of ["firstName", "lastName", "displayName"] as const satisfies readonly TextField[]) {
    if (!checked(key)) continue;
    const raw = text(key);
    if (raw === undefined) continue;
    const trimmed = raw.trim();
    const lone = findForbiddenCharacter(trimmed, "unicode");
    // A lone surrogate cannot be normalised meaningfully; keep the trimmed text.
    const value = lone === undefined && !certainlyTooLongForNfc(trimmed, maxTextLength) ? trimmed.normalize("NFC") : trimmed;
    fields[key] = value;
    if (certainlyTooLongForNfc(trimmed, maxTextLength) || codePointLength(value) > maxTextLength) {
      fail(key, `must be at most ${maxTextLength} characters (Unicode code points) long`);
    }
    const bad = findForbiddenCharacter(value, "name");
    if (bad !== undefined) fail(key, `must not contain control, invisible or text-direction characters; found ${bad}`);
  }

  if (checked("phone")) {
    const phone = text("phone");
    if (phone !== undefined && phone !== "") {
      const v = phoneViolation(phone, at("phone"));
      if (v !== undefined) violations.push(v);
    }
  }

  if (checked("organizationId")) {
    const id = text("organizationId");
    if (id !== undefined && id !== "" && !isValidOrganizationId(id)) {
      fail("organizationId", "must be 'org_' followed by 1 to 64 lowercase letters a-z, digits 0-9 or '-'");
    }
  }

  if (checked("locale")) {
    const locale = text("locale");
    if (locale !== undefined && locale !== "") {
      const r = canonicalizeLocale(locale, at("locale"));
      if (r.violation !== undefined) violations.push(r.violation);
      else fields.locale = r.value;
    }
  }

  if (checked("timezone")) {
    const timezone = text("timezone");
    if (timezone !== undefined && timezone !== "") {
      const r = canonicalizeTimeZone(timezone, at("timezone"));
      if (r.violation !== undefined) violations.push(r.violation);
      else fields.timezone = r.value;
    }
  }

  if (checked("externalId")) {
    const externalId = text("externalId");
    if (externalId !== undefined && externalId !== "") {
      if (certainlyLongerThan(externalId, maxTextLength) || codePointLength(externalId) > maxTextLength) {
        fail("externalId", `must be at most ${maxTextLength} characters (Unicode code points) long`);
      }
      const bad = findForbiddenCharacter(externalId, "control");
      if (bad !== undefined) fail("externalId", `must not contain control characters; found ${bad}`);
    }
  }

  for (const key of ["traits", "adminMetadata", "metadata"] as const) {
    if (checked(key)) violations.push(...validateJsonObject(input[key], at(key)));
  }

  for (const key of ["emailVerified", "phoneVerified"] as const) {
    const value: unknown = input[key];
    if (checked(key) && typeof value !== "boolean") {
      fail(key, `must be a boolean, not ${value === null ? "null" : typeof value}`);
    }
  }

  if (checked("state")) {
    const state: unknown = input.state;
    if (state !== "" && !(identityStates as readonly unknown[]).includes(state)) {
      fail("state", `must be one of ${identityStates.map((s) => `"${s}"`).join(", ")} (or empty for the default, "active")`);
    }
  }

  return { fields, violations };
}
