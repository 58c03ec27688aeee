// Locale rule for identity.locale: a well-formed BCP 47 language tag whose
// subtags are registered, stored in canonical form.
//
// Two steps, each done by a maintained source rather than by us:
// 1. Shape and canonical form: ECMA-402's Intl.getCanonicalLocales (ICU):
//    `en-us` → `en-US`, `zh-hant-tw` → `zh-Hant-TW`, deprecated aliases
//    replaced (`iw` → `he`, `eng` → `en`). It rejects `en_US`, `en-`,
//    `en--US`, empty subtags, irregular grandfathered tags (`i-klingon`) and
//    private-use-only tags (`x-private`).
// 2. Registration: Intl checks only the shape, so `english` and `xx-YY` pass
//    it. The language, script, region and variant subtags of the canonical tag
//    must be in the IANA Language Subtag Registry, as shipped by the npm
//    package `language-subtag-registry` (JSON indexes of the IANA file; its
//    File-Date is in data/json/meta.json). Private-use ranges the registry
//    declares (`qaa..qtz`, `Qaaa..Qabx`, `QM..QZ`, `XA..XZ`) count as
//    registered. Extensions (`-u-…`) and private use (`-x-…`) are left to Intl.
import languages from "language-subtag-registry/data/json/language.json" with { type: "json" };
import regions from "language-subtag-registry/data/json/region.json" with { type: "json" };
import scripts from "language-subtag-registry/data/json/script.json" with { type: "json" };
import variants from "language-subtag-registry/data/json/variant.json" with { type: "json" };
import type { Violation } from "../errors.js";
import { violation } from "./text.js";

/** A bound on what is stored; real tags are far shorter (RFC 5646 §4.4.1 suggests 35+). */
export const maxLocaleLength = 255;

const expected = "expected a BCP 47 language tag such as en-US or pt-BR";

export function canonicalizeLocale(
  locale: string,
  field: string,
): { value: string; violation?: undefined } | { value?: undefined; violation: Violation } {
  if (locale.length > maxLocaleLength) {
    return { violation: violation(field, `must be at most ${maxLocaleLength} characters long; ${expected}`) };
  }
  const canonical = canonicalTag(locale);
  if (canonical === undefined) return { violation: violation(field, `is not a well-formed language tag; ${expected}`) };
  const unknown = unregisteredSubtag(canonical);
  if (unknown !== undefined) {
    return { violation: violation(field, `has a ${unknown} subtag that is not in the IANA language subtag registry; ${expected}`) };
  }
  return { value: canonical };
}

function canonicalTag(locale: string): string | undefined {
  try {
    const [canonical, ...rest] = Intl.getCanonicalLocales(locale);
    return canonical !== undefined && rest.length === 0 ? canonical : undefined;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return undefined;
  }
}

type SubtagKind = "language" | "script" | "region" | "variant";

const registries: Record<SubtagKind, RangeSet> = {
  language: rangeSet(Object.keys(languages)),
  script: rangeSet(Object.keys(scripts)),
  region: rangeSet(Object.keys(regions)),
  variant: rangeSet(Object.keys(variants)),
};

/**
 * The kind of the first subtag of a canonical tag that the registry does not
 * list, or undefined. A canonical tag is `language[-script][-region]*(-variant)`
 * followed by extensions and private use, which start with a one-character
 * singleton; Intl has already folded extlangs into the language.
 */
function unregisteredSubtag(canonical: string): SubtagKind | undefined {
  const subtags = canonical.toLowerCase().split("-");
  const end = subtags.findIndex((s) => s.length === 1);
  const [language, ...rest] = end === -1 ? subtags : subtags.slice(0, end);
  if (language === undefined || !registries.language.has(language)) return "language";
  for (const subtag of rest) {
    const kind: SubtagKind = /^[a-z]{4}$/.test(subtag) ? "script" : /^([a-z]{2}|\d{3})$/.test(subtag) ? "region" : "variant";
    if (!registries[kind].has(subtag)) return kind;
  }
  return undefined;
}

interface RangeSet {
  has(subtag: string): boolean;
}

/** The registry's keys are lower-case subtags or ranges `first..last` of equal-length subtags. */
function rangeSet(keys: readonly string[]): RangeSet {
  const singles = new Set<string>();
  const ranges: [string, string][] = [];
  for (const key of keys) {
    const [first, last] = key.split("..");
    if (last === undefined) singles.add(key);
    else ranges.push([first!, last]);
  }
  return {
    has: (subtag) =>
      singles.has(subtag) || ranges.some(([first, last]) => subtag.length === first.length && subtag >= first && subtag <= last),
  };
}
