// Time zone rule for identity.timezone: an IANA time zone name.
//
// Validity is decided by ICU through `new Intl.DateTimeFormat(..., { timeZone })`
// (a RangeError for unknown names), not by Intl.supportedValuesOf("timeZone"):
// Node 20's list holds only ICU's canonical ids, so it lacks valid names such as
// "UTC", "Etc/UTC", "Europe/Kyiv" or "US/Eastern". Before that, a syntax check
// rejects what ICU or a newer V8 would accept but is not an IANA name:
// - UTC offsets (`+01:00`, `-0500`; V8 ≥ 12 accepts them as time zones);
// - POSIX TZ-style legacy names where letters run into an offset digit
//   (`EST5EDT`, `PST8PDT`, `GMT0`, `GMT+0`): deprecated in tzdata, and they look
//   like POSIX TZ strings. Use `America/New_York` or `Etc/GMT+5` instead.
//
// Case: ICU matches names case-insensitively. When the input differs only in
// case from a name Node lists (or from the id ICU resolves it to), the properly
// cased name is stored (`america/new_york` → `America/New_York`); otherwise the
// name is stored as given. Links are not resolved (`US/Eastern` stays).
import type { Violation } from "../errors.js";
import { violation } from "./text.js";

/** IANA names: ASCII letters, digits, '_', '-', '+', in '/'-separated parts; the first part starts with a letter. */
const ianaSyntax = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
/** `EST5EDT`, `PST8PDT`, `GMT0`, `GMT+0`, `GMT-0`. */
const posixStyle = /^[A-Za-z]{3,}[+-]?[0-9]/;
/** Longest IANA name today is 32 characters ("America/Argentina/ComodRivadavia"). */
const maxTimeZoneLength = 64;

let knownNames: Map<string, string> | undefined;

/** Lower-cased name → properly cased name, for the names Node lists plus the UTC aliases it omits. */
function properCase(): Map<string, string> {
  if (knownNames === undefined) {
    knownNames = new Map();
    const listed = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    for (const name of [...listed, "UTC", "Etc/UTC", "Etc/GMT", "GMT"]) knownNames.set(name.toLowerCase(), name);
  }
  return knownNames;
}

export function canonicalizeTimeZone(
  timeZone: string,
  field: string,
): { value: string; violation?: undefined } | { value?: undefined; violation: Violation } {
  const expected = "expected an IANA time zone name such as America/New_York or UTC";
  if (/^[+\-\u2212]|^[0-9]|:/.test(timeZone)) {
    return { violation: violation(field, `must be a time zone name, not a UTC offset; ${expected}`) };
  }
  if (timeZone.length > maxTimeZoneLength || !ianaSyntax.test(timeZone)) {
    return { violation: violation(field, `is not a valid time zone name; ${expected}`) };
  }
  if (posixStyle.test(timeZone)) {
    return { violation: violation(field, `must not be a POSIX-style legacy zone such as EST5EDT; ${expected}`) };
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { violation: violation(field, `is not a known IANA time zone; ${expected}`) };
  }
  const lower = timeZone.toLowerCase();
  const listed = properCase().get(lower);
  if (listed !== undefined) return { value: listed };
  if (resolved.toLowerCase() === lower) return { value: resolved };
  return { value: timeZone };
}
