// Password policy after NIST SP 800-63B §5.1.1.2 / §3.1.1.2: length limits and
// a few context checks, and deliberately NO composition rules (no "one digit,
// one symbol"): they push users to predictable patterns without adding entropy.
// The breached-password check lives in breached-list.ts; this module is pure.
//
// Every message names the rule and never echoes the password (or the
// identifiers it was compared with), because violations travel to clients and
// into logs.
import type { Violation } from "../domain/errors.js";

export interface PasswordPolicy {
  /** Minimum length in Unicode code points after NFC normalisation. */
  readonly minLength: number;
  /** Maximum length in code points: bounds hashing cost, allows passphrases. */
  readonly maxLength: number;
}

export const defaultPasswordPolicy: PasswordPolicy = Object.freeze({ minLength: 8, maxLength: 256 });

export interface PasswordContext {
  /** The part of the user's email before the "@". */
  readonly emailLocalPart?: string;
  readonly username?: string;
}

/**
 * Identifiers shorter than this are not compared: a 2-letter local part such as
 * "jo" would otherwise reject every password containing "jo" ("majority").
 */
const minIdentifierLength = 3;

/**
 * NFC can expand a string to at most 3× its code points, and a code point is at
 * most 2 UTF-16 units; so a string of more than 6 × maxLength code units cannot
 * be within maxLength after normalising. Checking this first means a huge input
 * is rejected without normalising or scanning it (cheap denial-of-service guard;
 * the transport's body limit is the first line of defence).
 */
const maxExpansion = 6;

const code = "AVNOLOGY_AUTH_011";

/** Counts Unicode code points (a string iterator yields code points, not UTF-16 units). */
function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Case-insensitive comparison form: NFC, then full Unicode lower-casing. */
function fold(s: string): string {
  return s.normalize("NFC").toLowerCase();
}

/**
 * Returns one Violation per failed rule (empty when the password is
 * acceptable). `field` is the request path reported to clients.
 */
export function checkPasswordPolicy(
  password: string,
  ctx: PasswordContext,
  policy: PasswordPolicy = defaultPasswordPolicy,
  field = "initial_password",
): Violation[] {
  const violation = (message: string): Violation => ({ field, code, message });
  const tooLong = violation(`must be at most ${policy.maxLength} characters`);

  if (password.length > policy.maxLength * maxExpansion) return [tooLong];

  const normalized = password.normalize("NFC");
  const length = codePointLength(normalized);
  const violations: Violation[] = [];

  if (length < policy.minLength) {
    violations.push(violation(`must be at least ${policy.minLength} characters`));
  }
  if (length > policy.maxLength) violations.push(tooLong);
  // Only for non-empty input: an empty password already fails minLength, and
  // "must not be only whitespace" would be a confusing second message for it.
  // \s with the u flag covers Unicode spaces (NBSP, ideographic space, ...).
  if (length > 0 && /^\s+$/u.test(normalized)) {
    violations.push(violation("must not consist only of whitespace"));
  }

  const folded = normalized.toLowerCase();
  const identifiers: ReadonlyArray<[string | undefined, string]> = [
    [ctx.emailLocalPart, "must not contain the local part of the email address"],
    [ctx.username, "must not contain the username"],
  ];
  for (const [identifier, message] of identifiers) {
    if (identifier === undefined) continue;
    const needle = fold(identifier.trim());
    if (codePointLength(needle) < minIdentifierLength) continue;
    if (folded.includes(needle)) violations.push(violation(message));
  }
  return violations;
}
