// Small pure string helpers shared by the identity validators: code-point
// counting, detection of characters that must not be stored, and a safe way to
// show user-supplied text (JSON keys) inside a violation message.
import type { Violation } from "../errors.js";

/** Every identity validation violation carries this code. */
export const validationCode = "AVNOLOGY_AUTH_902" as const;

export function violation(field: string, message: string): Violation {
  return { field, code: validationCode, message };
}

/** `identity` + `email` → `identity.email`; an empty prefix names the field alone. */
export function joinPath(prefix: string, name: string): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

/** Counts Unicode code points (the string iterator yields code points, not UTF-16 units). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * True when `s` certainly has more than `max` code points, decided from its
 * UTF-16 length alone (a code point is at most 2 units): lets a huge input be
 * rejected without scanning it.
 */
export function certainlyLongerThan(s: string, max: number): boolean {
  return s.length > 2 * max;
}

/** `U+202E`: how a character is named in messages (never the character itself). */
export function describeCodePoint(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * A lone (unpaired) UTF-16 surrogate. It is not Unicode text: UTF-8 (and so
 * BSON) cannot encode it and the MongoDB driver would silently replace it with
 * U+FFFD, so it is rejected everywhere rather than altered.
 */
const loneSurrogate = /\p{Cs}/u;

/** C0/C1 control characters (Unicode general category Cc: NUL, TAB, LF, ESC, DEL, ...). */
const control = /\p{Cc}/u;

/**
 * Characters that make a human-readable name display as something else or hide
 * text: the bidirectional controls (Trojan Source: LRE/RLE/PDF/LRO/RLO,
 * LRI/RLI/FSI/PDI, LRM/RLM/ALM), zero-width space, word joiner, BOM, line and
 * paragraph separators, interlinear annotation marks and noncharacters.
 *
 * Deliberately NOT in the list: ZWNJ U+200C and ZWJ U+200D (required by Persian
 * and Indic scripts and by emoji sequences such as 👩‍💻) and the variation
 * selectors (❤️ = U+2764 U+FE0F). So names reject Cc plus this set, not all of Cf.
 */
const invisibleOrReordering = /[\p{Bidi_Control}\u200B\u2060\uFEFF\u2028\u2029\uFFF9-\uFFFB\p{Noncharacter_Code_Point}]/u;

/** Anything invisible or spacing: for e-mail addresses, where none of it is legitimate. */
const emailForbidden = /[\p{Cc}\p{Cf}\p{Cs}\p{White_Space}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u;

export type CharClass = "unicode" | "control" | "name" | "email";

/**
 * Returns a description of the first forbidden character in `s` for the given
 * class (e.g. `a control character (U+000A) at position 5`), or undefined when
 * there is none. Positions are 1-based code-point positions.
 *
 * - "unicode": lone surrogates only (free-form JSON text);
 * - "control": lone surrogates and Cc (identifiers such as external_id);
 * - "name": lone surrogates, Cc and the invisible/reordering set above;
 * - "email": lone surrogates, Cc, every Cf, and white space.
 */
export function findForbiddenCharacter(s: string, cls: CharClass): string | undefined {
  const quick =
    cls === "email"
      ? emailForbidden.test(s)
      : loneSurrogate.test(s) ||
        (cls !== "unicode" && control.test(s)) ||
        (cls === "name" && invisibleOrReordering.test(s));
  if (!quick) return undefined;
  let position = 0;
  for (const ch of s) {
    position++;
    const cp = ch.codePointAt(0) ?? 0;
    const where = `(${describeCodePoint(cp)}) at position ${position}`;
    if (loneSurrogate.test(ch)) return `an unpaired UTF-16 surrogate ${where}`;
    if (cls !== "unicode" && control.test(ch)) return `a control character ${where}`;
    if (cls === "name" && invisibleOrReordering.test(ch)) return `an invisible or text-reordering character ${where}`;
    if (cls === "email" && /[\p{White_Space}\p{Zl}\p{Zp}]/u.test(ch)) return `a white-space character ${where}`;
    if (cls === "email" && emailForbidden.test(ch)) return `an invisible character ${where}`;
  }
  return undefined;
}

/** Anything that should not appear raw inside a message shown to people or written to logs. */
const unprintable = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u;

/**
 * Quotes user-supplied text for a message: at most `maxCodePoints` code points
 * (then "…"), `"` and `\` escaped as in JSON, and every control, format (bidi,
 * zero-width), separator, noncharacter or surrogate written as a \uXXXX escape
 * so it cannot reorder or hide the surrounding message.
 */
export function quoteForMessage(s: string, maxCodePoints = 64): string {
  let out = '"';
  let n = 0;
  for (const ch of s) {
    if (n === maxCodePoints) return `${out}"…`;
    n++;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (unprintable.test(ch)) {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}
