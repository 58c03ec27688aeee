// E-mail address rule for identity.email.
//
// Library choice: @hapi/address (the validator behind joi's string().email(),
// maintained by the hapi project). Compared on the same samples with
// `email-addresses` (an RFC 5322 *message header* parser) and `validator`'s
// isEmail:
// - @hapi/address checks exactly the SMTP mailbox form an account needs
//   (RFC 5321 dot-atom local part, RFC 6531 Unicode local parts, IDNA domains
//   converted with the WHATWG URL punycode step, 254/64/63 length limits),
//   with a minimum number of domain labels as an option, and no dependency
//   beyond @hapi/hoek;
// - email-addresses parses whole header syntax, so it accepts comments
//   `(x)jane@x.com`, folding white space, `jane@-x.com`, `jane@x_y.com` and
//   IP literals, which we would have to re-check by hand;
// - validator.isEmail accepted a domain containing U+202E (right-to-left
//   override) and quoted local parts with spaces.
// Extra checks here: trimming, a 254 code-point limit with its own message, no
// invisible/white-space characters anywhere, and a clearer message for the
// display-name form `Jane <jane@x.com>`.
import { domainToUnicode } from "node:url";
import { analyzeEmail } from "@hapi/address";
import type { Violation } from "../errors.js";
import { certainlyLongerThan, codePointLength, findForbiddenCharacter, violation } from "./text.js";

export const maxEmailLength = 254;

/** Messages for @hapi/address error codes (theirs are terse and name no expectation). */
const reasons: Readonly<Record<string, string>> = {
  MULTIPLE_AT_CHAR: "must contain exactly one '@' (quoted local parts are not supported)",
  MISSING_AT_CHAR: "must contain an '@' between the local part and the domain",
  EMPTY_LOCAL: "must have a local part before the '@'",
  ADDRESS_TOO_LONG: `must be at most ${maxEmailLength} characters long`,
  LOCAL_TOO_LONG: "must have a local part (before the '@') of at most 64 bytes",
  EMPTY_LOCAL_SEGMENT: "must not have an empty dot-separated part in the local part ('..', or a leading or trailing '.')",
  INVALID_LOCAL_CHARS:
    "has a character that is not allowed in the local part (letters, digits and !#$%&'*+-/=?^_`{|}~ separated by single dots)",
  DOMAIN_NON_EMPTY_STRING: "must have a domain after the '@'",
  DOMAIN_TOO_LONG: "has a domain that is too long",
  DOMAIN_INVALID_UNICODE_CHARS: "has a domain with characters that are not allowed",
  DOMAIN_INVALID_CHARS:
    "has a domain with a character that is not allowed (use letters, digits and '-' in dot-separated labels; IP literals are not supported)",
  DOMAIN_INVALID_TLDS_CHARS: "has a top-level domain that is not valid (it must start with a letter)",
  DOMAIN_SEGMENTS_COUNT: "must have a domain with at least one dot (e.g. example.com)",
  DOMAIN_EMPTY_SEGMENT: "must not have an empty label in the domain ('..', or a leading or trailing '.')",
  DOMAIN_LONG_SEGMENT: "has a domain label longer than 63 characters",
};

/**
 * Validates an already-trimmed, non-empty address. An address gets at most one
 * violation (the parser stops at its first problem too): the most useful one.
 */
export function emailViolation(email: string, field: string): Violation | undefined {
  const expected = "expected an address like name@example.com";
  if (certainlyLongerThan(email, maxEmailLength) || codePointLength(email) > maxEmailLength) {
    // Parsing a huge string is pointless; report the length alone.
    return violation(field, `must be at most ${maxEmailLength} characters long`);
  }
  if (/[<>]/.test(email)) {
    return violation(field, `must be a bare address without a display name or angle brackets; ${expected}`);
  }
  const bad = findForbiddenCharacter(email, "email");
  if (bad !== undefined) {
    return violation(field, `must not contain white space, control or invisible characters; found ${bad}; ${expected}`);
  }
  // minDomainSegments 2: a dot is required in the domain (no `jane@localhost`).
  // No `tlds` option: the top-level domain is not checked against IANA's list,
  // which changes over time (and a stale copy would reject new TLDs).
  const analysis = analyzeEmail(email, { minDomainSegments: 2 });
  if (analysis === null) return undefined;
  return violation(field, `${reasons[analysis.code] ?? "is not a valid e-mail address"}; ${expected}`);
}

/**
 * The uniqueness key of an address (stored as `email_key`; one identity per
 * key and tenant). Addresses that a person reads as the same one must get the
 * same key, or look-alikes such as `straße@x.com` / `strasse@x.com` become two
 * accounts:
 * - NFKC folds compatibility forms: `ﬃ` → `ffi`, fullwidth `ｊ` → `j`, `Ⅻ` → `xii`;
 * - lower → upper → lower case mapping stands in for full Unicode case folding
 *   (JavaScript has none) and also maps the dotless ı: `ß`/`ẞ` → `ss`,
 *   `ſ` → `s`, `ı` → `i`, `ς` → `σ`, `K` (Kelvin) → `k`. toUpperCase applies
 *   the full SpecialCasing expansions (ß → SS) that a plain toLowerCase misses;
 * - NFKC again, so the key is in normal form; the whole is repeated to a
 *   fixed point, so the key of a key is itself (a property test checks it);
 * - the domain is read as IDNA: an A-label (`xn--bcher-kva.de`) keys like its
 *   U-label (`bücher.de`).
 * Both parts are folded: local parts are case-insensitive in practice, and a
 * mailbox that differs from another only by these foldings is refused as a
 * duplicate (409 AVNOLOGY_AUTH_014) rather than made a second account. Not
 * covered: cross-script confusables (Cyrillic `а` vs Latin `a`, UTS #39).
 * The address itself is stored as written.
 */
export function emailUniquenessKey(email: string): string {
  // Folding can expose what an earlier step would have changed (NFKC turns
  // U+FC5E into " ٌّ", whose space a trim removes): repeat to a fixed point
  // (bounded; the property test in email-key.test.ts checks key(key) = key).
  let key = email;
  for (let round = 0; round < 4; round++) {
    const next = foldAddress(key);
    if (next === key) break;
    key = next;
  }
  return key;
}

function foldAddress(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return foldForKey(trimmed);
  const domain = trimmed.slice(at + 1);
  return `${foldForKey(trimmed.slice(0, at))}@${foldForKey(domainToUnicode(domain) || domain)}`;
}

function foldForKey(text: string): string {
  return text.normalize("NFKC").toLowerCase().toUpperCase().toLowerCase().normalize("NFKC");
}
