// Phone rule for identity.phone: exactly E.164 as the API documents
// (`+14155551234`), and a number that really exists in the numbering plan of
// its country code.
//
// libphonenumber-js is imported from its "max" entry point: the default ("min")
// metadata only checks the number's length for the country, while "max" checks
// it against the full per-country number patterns (e.g. "max" rejects
// +8612345678901 and +491234567890, which have a possible length for China and
// Germany but no valid prefix, while "min" accepts both).
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Violation } from "../errors.js";
import { violation } from "./text.js";

/** '+', a country code that does not start with 0, at most 15 digits in all (ITU-T E.164). */
const e164 = /^\+[1-9][0-9]{1,14}$/;

/**
 * Validates a non-empty phone. No reformatting is done: `+1 415 555 1234` or
 * `(415) 555-1234` are rejected rather than rewritten, so what the client sent
 * is what is stored.
 */
export function phoneViolation(phone: string, field: string): Violation | undefined {
  if (!e164.test(phone)) {
    return violation(
      field,
      "must be in E.164 format: '+', the country code and the number, digits only, at most 15 digits (e.g. +14155551234)",
    );
  }
  const parsed = parsePhoneNumberFromString(phone);
  if (parsed === undefined || !parsed.isValid()) {
    return violation(field, "is not a valid phone number for its country code (wrong length or unassigned number range)");
  }
  if (parsed.number !== phone) {
    // e.g. +4402071838750: a national trunk prefix after the country code.
    // `parsed.number` is at most 16 ASCII characters: safe to echo.
    return violation(field, `must be written in canonical E.164 form: ${parsed.number}`);
  }
  return undefined;
}
