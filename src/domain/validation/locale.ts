// Locale rule for identity.locale: a well-formed BCP 47 language tag, stored in
// canonical form. The checking and canonicalisation are ECMA-402's
// Intl.getCanonicalLocales (ICU): `en-us` → `en-US`, `zh-hant-tw` → `zh-Hant-TW`,
// deprecated aliases replaced (`iw` → `he`). It rejects `en_US`, `en-`, `en--US`,
// empty subtags, irregular grandfathered tags (`i-klingon`) and private-use-only
// tags (`x-private`).
import type { Violation } from "../errors.js";
import { violation } from "./text.js";

/** A bound on what is stored; real tags are far shorter (RFC 5646 §4.4.1 suggests 35+). */
export const maxLocaleLength = 255;

export function canonicalizeLocale(
  locale: string,
  field: string,
): { value: string; violation?: undefined } | { value?: undefined; violation: Violation } {
  const expected = "expected a BCP 47 language tag such as en-US or pt-BR";
  if (locale.length > maxLocaleLength) {
    return { violation: violation(field, `must be at most ${maxLocaleLength} characters long; ${expected}`) };
  }
  try {
    const [canonical, ...rest] = Intl.getCanonicalLocales(locale);
    if (canonical !== undefined && rest.length === 0) return { value: canonical };
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  return { violation: violation(field, `is not a well-formed language tag; ${expected}`) };
}
