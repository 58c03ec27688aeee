import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeEmail } from "../../../src/domain/identity.js";
import { emailUniquenessKey, emailViolation } from "../../../src/domain/validation/email.js";

describe("the email uniqueness key", () => {
  it.each([
    ["case", "Jane.Doe@Example.COM", "jane.doe@example.com"],
    ["long s ſ", "ſam@example.com", "sam@example.com"],
    ["sharp s ß", "straße@example.com", "strasse@example.com"],
    ["capital sharp s ẞ", "STRAẞE@example.com", "strasse@example.com"],
    ["dotless ı", "kırmızı@example.com", "kirmizi@example.com"],
    ["dotted İ (full case folding: i + combining dot)", "İpek@example.com", "i\u0307pek@example.com"],
    ["the ﬃ ligature", "oﬃce@example.com", "office@example.com"],
    ["the ﬀ ligature", "eﬀort@example.com", "effort@example.com"],
    ["fullwidth letters", "ｊａｎｅ@example.com", "jane@example.com"],
    ["the Kelvin sign", "\u212Aim@example.com", "kim@example.com"],
    ["final sigma", "ΟΔΟΣ@example.com", "οδος@example.com"],
    ["decomposed é (NFD)", "rene\u0301@example.com", "ren\u00e9@example.com"],
    ["a folded domain", "jane@STRAẞE.de", "jane@strasse.de"],
    ["an IDNA A-label domain", "jane@xn--bcher-kva.de", "jane@bücher.de"],
    ["an upper-case U-label domain", "jane@BÜCHER.de", "jane@bücher.de"],
    ["surrounding white space", "  jane@example.com ", "jane@example.com"],
  ])("%s: %s → %s", (_name, email, key) => {
    expect(emailUniquenessKey(email)).toBe(key);
    expect(normalizeEmail(email)).toBe(key);
  });

  it.each([
    ["ſ", "ſusan@example.com", "susan@example.com"],
    ["ß", "maß@example.com", "mass@example.com"],
    ["ı", "ınfo@example.com", "info@example.com"],
    ["ﬃ", "oﬃce@example.com", "office@example.com"],
  ])("a %s address is valid and keys like its look-alike", (_name, email, lookAlike) => {
    expect(emailViolation(email, "email")).toBeUndefined();
    expect(emailUniquenessKey(email)).toBe(emailUniquenessKey(lookAlike));
  });

  it.each([
    ["different letters", "jane@example.com", "june@example.com"],
    ["Cyrillic а is not folded (confusables are out of scope)", "j\u0430ne@example.com", "jane@example.com"],
    ["a different domain", "jane@example.com", "jane@example.org"],
  ])("%s stay distinct", (_name, a, b) => {
    expect(emailUniquenessKey(a)).not.toBe(emailUniquenessKey(b));
  });

  it("is idempotent and keeps ASCII keys as before (lower case), for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 }), (local, domain) => {
        const key = emailUniquenessKey(`${local}@${domain}`);
        expect(emailUniquenessKey(key)).toBe(key);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (text) => {
        const key = emailUniquenessKey(text);
        expect(emailUniquenessKey(key)).toBe(key);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        expect(emailUniquenessKey(email)).toBe(email.trim().toLowerCase());
      }),
      { numRuns: 500 },
    );
  });
});
