import { describe, expect, it } from "vitest";
import {
  isValidIdentityId,
  isValidOrganizationId,
  maxJsonBytes as exportedMaxJsonBytes,
  maxJsonDepth as exportedMaxJsonDepth,
  validateIdentityFields,
  validateJsonObject,
  type IdentityValidationOptions,
} from "../../../src/domain/identity-validation.js";
import type { Violation } from "../../../src/domain/errors.js";
import { emptyIdentityFields, type IdentityFields, type JsonObject } from "../../../src/domain/identity.js";

// The limits from the issue, pinned here rather than read from the module.
const maxJsonBytes = 65_536;
const maxJsonDepth = 16;

/** A valid identity (only the email is required). */
function base(): IdentityFields {
  return { ...emptyIdentityFields(), email: "jane@example.com" };
}

/** Fields that are not `IdentityFields` at run time (bad transports, hostile callers). */
function loose(patch: Record<string, unknown>): IdentityFields {
  return { ...base(), ...patch } as unknown as IdentityFields;
}

function validate(patch: Partial<IdentityFields>, options?: IdentityValidationOptions) {
  const result = validateIdentityFields({ ...base(), ...patch }, options);
  for (const v of result.violations) expect(v.code).toBe("AVNOLOGY_AUTH_902");
  return result;
}

function fieldsOf(violations: readonly Violation[]): string[] {
  return violations.map((v) => v.field);
}

/** Expects exactly one violation, on `field`, whose message matches `message`. */
function expectOne(violations: readonly Violation[], field: string, message: RegExp): Violation {
  expect(fieldsOf(violations)).toEqual([field]);
  const v = violations[0]!;
  expect(v.message).toMatch(message);
  return v;
}

/** `{a:{a:...{}}}` with `levels` objects in all (the outermost counts as level 1). */
function nestedObjects(levels: number): JsonObject {
  let value: JsonObject = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** `inner` wrapped in `times` objects `{a: ...}`. */
function wrap(inner: JsonObject, times: number): JsonObject {
  let value = inner;
  for (let i = 0; i < times; i++) value = { a: value };
  return value;
}

/** `{a:[[...[]]]}`: one object plus `levels - 1` arrays. */
function nestedArrays(levels: number): JsonObject {
  let value: unknown[] = [];
  for (let i = 2; i < levels; i++) value = [value];
  return { a: value } as JsonObject;
}

/** `{"k":"xxx…"}` whose UTF-8 JSON text is exactly `bytes` bytes (ASCII filler). */
function jsonOfBytes(bytes: number, filler = "x", fillerBytes = 1): JsonObject {
  const overhead = Buffer.byteLength(JSON.stringify({ k: "" }), "utf8");
  const count = (bytes - overhead) / fillerBytes;
  expect(Number.isInteger(count)).toBe(true);
  const value = { k: filler.repeat(count) };
  expect(Buffer.byteLength(JSON.stringify(value), "utf8")).toBe(bytes);
  return value;
}

// An address of exactly 254 characters: 64 + "@" + 189 (labels of at most 63).
const local64 = "l".repeat(64);
const domain189 = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(57)}.com`;
const email254 = `${local64}@${domain189}`;

describe("email", () => {
  it.each([
    ["plain", "jane@example.com", "jane@example.com"],
    ["plus tag and subdomain", "jane+tag@mail.example.co.uk", "jane+tag@mail.example.co.uk"],
    ["atext symbols", "o'brien!#$%&*/=?^_`{|}~-@example.com", "o'brien!#$%&*/=?^_`{|}~-@example.com"],
    ["case is kept (normalizeEmail builds the unique key)", "Jane.Doe@Example.COM", "Jane.Doe@Example.COM"],
    ["surrounding white space is trimmed", "  jane@example.com \t\n", "jane@example.com"],
    ["Unicode local part and IDN domain", "josé@exämple.com", "josé@exämple.com"],
    ["CJK local part and domain", "用户@例子.广告", "用户@例子.广告"],
    ["punycode domain", "jane@xn--bcher-kva.example", "jane@xn--bcher-kva.example"],
    ["NFD local part is kept as given", "jose\u0301@example.com", "jose\u0301@example.com"],
    ["exactly 254 characters", email254, email254],
    ["local part of exactly 64 characters", `${local64}@example.com`, `${local64}@example.com`],
    ["TLD not in any list (no TLD list is checked)", "jane@example.internal", "jane@example.internal"],
  ])("accepts %s", (_name, email, stored) => {
    const { fields, violations } = validate({ email });
    expect(violations).toEqual([]);
    expect(fields.email).toBe(stored);
  });

  it.each([
    ["empty", "", /is required/],
    ["white space only", "   ", /is required/],
    ["display-name form", "Jane <jane@example.com>", /without a display name/],
    ["angle brackets only", "<jane@example.com>", /without a display name/],
    ["missing domain", "jane@", /domain after the '@'/],
    ["missing @", "jane.example.com", /must contain an '@'/],
    ["missing local part", "@example.com", /local part before the '@'/],
    ["two @", "jane@doe@example.com", /exactly one '@'/],
    ["space inside", "ja ne@example.com", /white-space character \(U\+0020\) at position 3/],
    ["space in the domain", "jane@exa mple.com", /white space/],
    ["dot-less domain", "jane@localhost", /at least one dot/],
    ["consecutive dots in local part", "ja..ne@example.com", /empty dot-separated part/],
    ["leading dot in local part", ".jane@example.com", /empty dot-separated part/],
    ["trailing dot in domain", "jane@example.com.", /empty label/],
    ["IP literal domain", "jane@[127.0.0.1]", /IP literals are not supported/],
    ["quoted local part", '"jane doe"@example.com', /white space|not allowed/],
    ["quoted local part without space", '"jane"@example.com', /not allowed in the local part/],
    ["comment", "(work)jane@example.com", /not allowed in the local part/],
    ["domain starting with '-'", "jane@-example.com", /domain with a character/],
    ["underscore in the domain", "jane@ex_ample.com", /domain with a character/],
    ["numeric top-level domain", "jane@example.123", /top-level domain/],
    ["zero-width space in the local part", "jane\u200b@example.com", /invisible character \(U\+200B\)/],
    ["right-to-left override in the domain", "jane@exa\u202emple.com", /invisible character \(U\+202E\)/],
    ["NUL", "jane\u0000@example.com", /control character \(U\+0000\)/],
    ["newline inside", "jane\n@example.com", /U\+000A/],
    ["non-breaking space inside", "jane\u00a0doe@example.com", /white-space character \(U\+00A0\)/],
    ["lone surrogate", "jane\ud800@example.com", /unpaired UTF-16 surrogate \(U\+D800\)/],
    ["255 characters", `${local64}@${domain189.replace("com", "coms")}`, /at most 254 characters/],
    ["local part of 65 characters", `${local64}x@example.com`, /at most 64 bytes/],
    ["domain label of 64 characters", `jane@${"d".repeat(64)}.com`, /longer than 63/],
  ])("rejects %s", (_name, email, message) => {
    expectOne(validate({ email }).violations, "identity.email", message);
  });

  it("reports a huge address by its length without echoing it", () => {
    const email = `${"x".repeat(100_000)}@example.com`;
    const v = expectOne(validate({ email }).violations, "identity.email", /at most 254 characters/);
    expect(v.message.length).toBeLessThan(200);
    expect(v.message).not.toContain("xxxx");
  });

  it("rejects a non-string email", () => {
    const r = validateIdentityFields(loose({ email: 42 }));
    expectOne(r.violations, "identity.email", /must be a string, not number/);
  });
});

describe("username", () => {
  it.each([
    ["not set", ""],
    ["3 characters", "abc"],
    ["64 characters", "u".repeat(64)],
    ["all allowed characters", "Jane_Doe-42"],
    ["only digits", "123"],
  ])("accepts %s", (_name, username) => {
    const { fields, violations } = validate({ username });
    expect(violations).toEqual([]);
    expect(fields.username).toBe(username);
  });

  it.each([
    ["2 characters", "ab", [/3 to 64 characters/]],
    ["65 characters", "u".repeat(65), [/3 to 64 characters/]],
    ["a space", "jane doe", [/may contain only/]],
    ["a dot", "jane.doe", [/may contain only/]],
    ["an @", "jane@doe", [/may contain only/]],
    ["a non-ASCII letter", "jané", [/may contain only/]],
    ["an emoji", "jane😀", [/may contain only/]],
    ["surrounding white space (not trimmed)", " jane ", [/may contain only/]],
    ["too short and a bad character", "a!", [/3 to 64 characters/, /may contain only/]],
  ])("rejects %s", (_name, username, messages) => {
    const { violations } = validate({ username });
    expect(fieldsOf(violations)).toEqual(messages.map(() => "identity.username"));
    messages.forEach((m, i) => expect(violations[i]!.message).toMatch(m));
  });
});

describe.each([
  ["firstName", "identity.first_name"],
  ["lastName", "identity.last_name"],
  ["displayName", "identity.display_name"],
] as const)("%s", (key, path) => {
  it.each([
    ["not set", "", ""],
    ["white space only (becomes not set)", " \t\u3000 ", ""],
    ["plain", "Jane", "Jane"],
    ["trimmed", "  Jane Smith \n", "Jane Smith"],
    ["NFC kept", "Jos\u00e9", "Jos\u00e9"],
    ["NFD normalised to NFC", "Jose\u0301", "Jos\u00e9"],
    ["Hangul jamo composed", "\u1100\u1161\u11a8", "\uac01"],
    ["emoji with ZWJ and variation selector", "Jane 👩\u200d💻 ❤\ufe0f", "Jane 👩\u200d💻 ❤\ufe0f"],
    ["Persian with ZWNJ", "می\u200cخواهم", "می\u200cخواهم"],
    ["right-to-left text without controls", "שרה כהן", "שרה כהן"],
    ["astral characters", "𠮷野 𝒥𝒶𝓃𝑒", "𠮷野 𝒥𝒶𝓃𝑒"],
    ["255 ASCII code points", "a".repeat(255), "a".repeat(255)],
    ["255 astral code points (510 UTF-16 units)", "𠮷".repeat(255), "𠮷".repeat(255)],
    ["255 code points after NFC (510 before)", "e\u0301".repeat(255), "\u00e9".repeat(255)],
    ["256 code points before trimming, 255 after", ` ${"a".repeat(255)}`, "a".repeat(255)],
  ])("accepts %s", (_name, value, stored) => {
    const { fields, violations } = validate({ [key]: value });
    expect(violations).toEqual([]);
    expect(fields[key]).toBe(stored);
  });

  it.each([
    ["256 ASCII code points", "a".repeat(256), /at most 255 characters/],
    ["256 astral code points", "😀".repeat(256), /at most 255 characters/],
    ["256 code points after NFC", "e\u0301".repeat(256), /at most 255 characters/],
    ["a huge value", "a".repeat(1_000_000), /at most 255 characters/],
    ["NUL", "Ja\u0000ne", /control character \(U\+0000\) at position 3/],
    ["an inner newline", "Jane\nSmith", /control character \(U\+000A\)/],
    ["an inner tab", "Jane\tSmith", /control character \(U\+0009\)/],
    ["BEL", "Jane\u0007", /U\+0007/],
    ["DEL", "Jane\u007f", /U\+007F/],
    ["a C1 control (NEL)", "Jane\u0085Smith", /U\+0085/],
    ["right-to-left override", "Jane\u202ehtimS", /text-reordering character \(U\+202E\)/],
    ["left-to-right embedding", "\u202aJane", /U\+202A/],
    ["right-to-left isolate", "Jane \u2067Smith\u2069", /U\+2067/],
    ["right-to-left mark", "Jane\u200f", /U\+200F/],
    ["Arabic letter mark", "Jane\u061c", /U\+061C/],
    ["zero-width space", "Ja\u200bne", /U\+200B/],
    ["inner byte-order mark", "Ja\ufeffne", /U\+FEFF/],
    ["line separator", "Jane\u2028Smith", /U\+2028/],
    ["a noncharacter", "Jane\uffff", /U\+FFFF/],
    ["a lone high surrogate", "Jane\ud83d", /unpaired UTF-16 surrogate \(U\+D83D\)/],
    ["a lone low surrogate", "\ude00Jane", /unpaired UTF-16 surrogate \(U\+DE00\)/],
  ])("rejects %s", (_name, value, message) => {
    const v = expectOne(validate({ [key]: value }).violations, path, message);
    expect(v.message.length).toBeLessThan(200);
  });

  it("reports both the length and a forbidden character", () => {
    const { violations } = validate({ [key]: `${"a".repeat(300)}\u202e` });
    expect(fieldsOf(violations)).toEqual([path, path]);
    expect(violations[0]!.message).toMatch(/at most 255/);
    expect(violations[1]!.message).toMatch(/\(U\+202E\) at position 301/);
  });
});

describe("phone", () => {
  it.each([
    ["not set", ""],
    ["US (spec example)", "+14155551234"],
    ["UK fixed line", "+442071838750"],
    ["France mobile", "+33612345678"],
    ["China mobile", "+8613800138000"],
    ["Germany fixed line", "+49301234567"],
  ])("accepts %s", (_name, phone) => {
    const { fields, violations } = validate({ phone });
    expect(violations).toEqual([]);
    expect(fields.phone).toBe(phone);
  });

  it.each([
    ["one digit too short", "+1415555123", /not a valid phone number/],
    ["one digit too long", "+141555512345", /not a valid phone number/],
    ["valid length, no valid prefix (China)", "+8612345678901", /not a valid phone number/],
    ["valid length, no valid prefix (Germany)", "+491234567890", /not a valid phone number/],
    ["unknown country code", "+999123456", /not a valid phone number/],
    ["national format", "(415) 555-1234", /E\.164/],
    ["spaces", "+1 415 555 1234", /E\.164/],
    ["dashes", "+1-415-555-1234", /E\.164/],
    ["no plus", "14155551234", /E\.164/],
    ["00 prefix", "0014155551234", /E\.164/],
    ["country code starting with 0", "+014155551234", /E\.164/],
    ["16 digits", "+1234567890123456", /E\.164/],
    ["an extension", "+14155551234;ext=12", /E\.164/],
    ["Arabic-Indic digits", "+١٤١٥٥٥٥١٢٣٤", /E\.164/],
    ["surrounding space (not trimmed)", " +14155551234", /E\.164/],
    ["national trunk prefix after the country code", "+4402071838750", /canonical E\.164 form: \+442071838750/],
  ])("rejects %s", (_name, phone, message) => {
    expectOne(validate({ phone }).violations, "identity.phone", message);
  });
});

describe("organization_id", () => {
  it.each([
    ["not set", ""],
    ["spec example", "org_7a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"],
    ["one character", "org_a"],
    ["64 characters", `org_${"a".repeat(64)}`],
  ])("accepts %s", (_name, organizationId) => {
    expect(validate({ organizationId }).violations).toEqual([]);
  });

  it.each([
    ["prefix only", "org_"],
    ["65 characters", `org_${"a".repeat(65)}`],
    ["upper-case prefix", "ORG_abc"],
    ["upper-case letters", "org_ABC"],
    ["underscore", "org_a_b"],
    ["another prefix", "team_abc"],
    ["surrounding space", " org_abc"],
  ])("rejects %s", (_name, organizationId) => {
    expectOne(validate({ organizationId }).violations, "identity.organization_id", /'org_' followed by 1 to 64/);
  });
});

describe("locale", () => {
  it.each([
    ["not set", "", ""],
    ["canonical", "en-US", "en-US"],
    ["lower case is canonicalised", "en-us", "en-US"],
    ["mixed case", "EN-us", "en-US"],
    ["script subtag", "zh-hant-tw", "zh-Hant-TW"],
    ["variant", "de-DE-1996", "de-DE-1996"],
    ["Unicode extension", "en-US-u-ca-gregory", "en-US-u-ca-gregory"],
    ["private use after a language", "en-US-x-twain", "en-US-x-twain"],
    ["deprecated alias replaced", "iw", "he"],
    ["three-letter alias of a registered language", "eng", "en"],
    ["UN M.49 region", "es-419", "es-419"],
    ["script and region", "sr-latn-rs", "sr-Latn-RS"],
    ["registered private-use language range", "qaa", "qaa"],
    ["registered private-use region range", "en-XA", "en-XA"],
  ])("accepts %s", (_name, locale, stored) => {
    const { fields, violations } = validate({ locale });
    expect(violations).toEqual([]);
    expect(fields.locale).toBe(stored);
  });

  it.each([
    ["underscore", "en_US", /not a well-formed language tag/],
    ["trailing hyphen", "en-", /not a well-formed/],
    ["empty subtag", "en--US", /not a well-formed/],
    ["leading hyphen", "-en", /not a well-formed/],
    ["single-letter extension without value", "en-a", /not a well-formed/],
    ["private use only", "x-private", /not a well-formed/],
    ["irregular grandfathered tag", "i-klingon", /not a well-formed/],
    ["language subtag of 9 letters", "abcdefghi", /not a well-formed/],
    ["surrounding space (not trimmed)", " en-US", /not a well-formed/],
    ["too long", `en-${"x-".repeat(200)}a`, /at most 255 characters/],
    ["well-formed but unregistered language (a word)", "english", /language subtag that is not in the IANA/],
    ["unregistered language and region", "xx-YY", /language subtag that is not in the IANA/],
    ["unregistered region", "en-YY", /region subtag that is not in the IANA/],
    ["unregistered script", "en-Xyzw", /script subtag that is not in the IANA/],
    ["unregistered variant", "de-DE-abcde", /variant subtag that is not in the IANA/],
  ])("rejects %s", (_name, locale, message) => {
    const { fields, violations } = validate({ locale });
    expectOne(violations, "identity.locale", message);
    expect(fields.locale).toBe(locale);
  });
});

describe("timezone", () => {
  it.each([
    ["not set", "", ""],
    ["spec example", "America/New_York", "America/New_York"],
    ["UTC (not in Node 20's list)", "UTC", "UTC"],
    ["Etc/UTC", "Etc/UTC", "Etc/UTC"],
    ["three-part name", "America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
    ["Etc offset zone", "Etc/GMT+5", "Etc/GMT+5"],
    ["link kept, not resolved", "US/Eastern", "US/Eastern"],
    ["new name kept (ICU calls it Europe/Kiev)", "Europe/Kyiv", "Europe/Kyiv"],
    ["lower case fixed from Node's list", "america/new_york", "America/New_York"],
    ["upper case fixed", "EUROPE/PARIS", "Europe/Paris"],
    ["utc fixed", "utc", "UTC"],
  ])("accepts %s", (_name, timezone, stored) => {
    const { fields, violations } = validate({ timezone });
    expect(violations).toEqual([]);
    expect(fields.timezone).toBe(stored);
  });

  it.each([
    ["unknown area", "Mars/Olympus", /not a known IANA time zone/],
    ["unknown city", "Europe/Atlantis", /not a known IANA time zone/],
    ["offset with colon", "+01:00", /not a UTC offset/],
    ["negative offset", "-0500", /not a UTC offset/],
    ["minus sign offset", "\u221205:00", /not a UTC offset/],
    ["bare hours", "5", /not a UTC offset/],
    ["POSIX-style EST5EDT", "EST5EDT", /POSIX-style/],
    ["POSIX-style PST8PDT", "PST8PDT", /POSIX-style/],
    ["GMT+0", "GMT+0", /POSIX-style/],
    ["POSIX TZ rule string", "EST5EDT,M3.2.0,M11.1.0", /not a valid time zone name/],
    ["trailing space (not trimmed)", "America/New_York ", /not a valid time zone name/],
    ["empty part", "America//New_York", /not a valid time zone name/],
    ["path traversal", "../etc/passwd", /not a valid time zone name/],
    ["too long", `America/${"X".repeat(100)}`, /not a valid time zone name/],
  ])("rejects %s", (_name, timezone, message) => {
    const { fields, violations } = validate({ timezone });
    expectOne(violations, "identity.timezone", message);
    expect(fields.timezone).toBe(timezone);
  });
});

describe("external_id", () => {
  it.each([
    ["not set", ""],
    ["plain", "crm-000123"],
    ["Unicode", "外部-ID-😀"],
    ["spaces are data (not trimmed)", " ext 1 "],
    ["format characters are allowed (only Cc is not)", "a\u202eb"],
    ["255 code points", "𠮷".repeat(255)],
  ])("accepts %s", (_name, externalId) => {
    const { fields, violations } = validate({ externalId });
    expect(violations).toEqual([]);
    expect(fields.externalId).toBe(externalId);
  });

  it.each([
    ["256 code points", "x".repeat(256), /at most 255/],
    ["256 astral code points", "𠮷".repeat(256), /at most 255/],
    ["a tab", "a\tb", /control character \(U\+0009\)/],
    ["NUL", "\u0000", /U\+0000/],
    ["a lone surrogate", "ext\udfff", /unpaired UTF-16 surrogate/],
  ])("rejects %s", (_name, externalId, message) => {
    expectOne(validate({ externalId }).violations, "identity.external_id", message);
  });
});

describe("state and verification flags", () => {
  it.each([
    ["" as const, "active"],
    ["active" as const, "active"],
    ["inactive" as const, "inactive"],
  ])("accepts state %j (stored as %j: the default is applied here, in one place)", (state, stored) => {
    const { fields, violations } = validate({ state });
    expect(violations).toEqual([]);
    expect(fields.state).toBe(stored);
  });

  it.each([["deleted"], ["ACTIVE"], [" active"], [null], [1]])("rejects state %j", (state) => {
    expectOne(validateIdentityFields(loose({ state })).violations, "identity.state", /one of "active", "inactive"/);
  });

  it.each([
    ["emailVerified", "identity.email_verified"],
    ["phoneVerified", "identity.phone_verified"],
  ])("%s must be a boolean", (key, path) => {
    expect(validate({ [key]: true }).violations).toEqual([]);
    expectOne(validateIdentityFields(loose({ [key]: "yes" })).violations, path, /must be a boolean, not string/);
  });
});

describe.each([
  ["traits", "identity.traits"],
  ["adminMetadata", "identity.admin_metadata"],
  ["metadata", "identity.metadata"],
] as const)("JSON object %s", (key, path) => {
  it.each([
    ["not set", undefined],
    ["empty", {}],
    ["spec example", { department: "Engineering" }],
    ["all JSON types", { s: "x", n: -1.5e300, b: false, z: null, a: [1, "two", { three: [] }], o: { p: {} } }],
    ["Unicode keys and values", { "部署": "エンジニア", "emoji😀": "👩\u200d💻", "é": "e\u0301" }],
    ["controls in string values are data", { note: "line1\nline2\t\u0000" }],
    ["'$' and '.' inside values", { query: "$where", host: "a.b.c" }],
    ["'$' not at the start of a key", { "price$": 1 }],
    ["the empty key", { "": 1 }],
    ["lone 'constructor' and 'prototype' keys", { constructor: "Bob", prototype: { a: 1 }, x: { constructor: 1 } }],
    ["null-prototype object", Object.assign(Object.create(null) as JsonObject, { a: 1 })],
    [`exactly ${maxJsonDepth} levels of objects`, nestedObjects(maxJsonDepth)],
    [`exactly ${maxJsonDepth} levels with arrays`, nestedArrays(maxJsonDepth)],
    [`exactly ${maxJsonBytes} bytes`, jsonOfBytes(maxJsonBytes)],
    [`exactly ${maxJsonBytes} bytes of 2-byte characters`, jsonOfBytes(maxJsonBytes, "é", 2)],
  ])("accepts %s, unchanged", (_name, value) => {
    const { fields, violations } = validate({ [key]: value });
    expect(violations).toEqual([]);
    expect(fields[key]).toBe(value);
  });

  it.each([
    ["an array", [1, 2], path, /must be a JSON object/],
    ["null", null, path, /not null/],
    ["a string", "{}", path, /not string/],
    [`${maxJsonDepth + 1} levels of objects`, nestedObjects(maxJsonDepth + 1), `${path}${".a".repeat(maxJsonDepth)}`, /nested too deeply: at most 16 levels/],
    [`${maxJsonDepth + 1} levels with arrays`, nestedArrays(maxJsonDepth + 1), `${path}.a${"[0]".repeat(maxJsonDepth - 1)}`, /nested too deeply/],
    [`${maxJsonBytes + 1} bytes`, jsonOfBytes(maxJsonBytes + 1), path, /65537 bytes as UTF-8 JSON, at most 65536 bytes \(64 KiB\)/],
    ["a '$' key", { $where: "1" }, `${path}["$where"]`, /must not start with '\$'/],
    ["a dotted key", { "a.b": 1 }, `${path}["a.b"]`, /must not contain '\.'/],
    ["a NUL in a key", { "a\u0000b": 1 }, `${path}["a\\u0000b"]`, /NUL/],
    ["a '__proto__' key from JSON.parse", JSON.parse('{"__proto__":{"admin":true}}') as JsonObject, `${path}.__proto__`, /'__proto__'/],
    ["constructor.prototype", { constructor: { prototype: { admin: true } } }, `${path}.constructor.prototype`, /prototype pollution/],
    ["a lone surrogate in a key", { "k\ud800": 1 }, `${path}["k\\uD800"]`, /unpaired UTF-16 surrogate/],
    ["a lone surrogate in a value", { k: "v\udc00" }, `${path}.k`, /unpaired UTF-16 surrogate/],
    ["NaN", { n: Number.NaN }, `${path}.n`, /finite number/],
    ["Infinity", { n: Number.POSITIVE_INFINITY }, `${path}.n`, /finite number/],
    ["undefined", { u: undefined }, `${path}.u`, /not undefined/],
    ["a bigint", { b: 1n }, `${path}.b`, /not bigint/],
    ["a function", { f: () => 1 }, `${path}.f`, /not function/],
    ["a Date", { d: new Date(0) }, `${path}.d`, /plain JSON object/],
    ["a Map", { m: new Map() }, `${path}.m`, /plain JSON object/],
  ])("rejects %s", (_name, value, field, message) => {
    const { fields, violations } = validateIdentityFields(loose({ [key]: value }));
    expectOne(violations, field, message);
    expect(fields[key]).toBe(value);
  });

  it.each([
    ["'$' key", { a: { b: [{ c: { $gt: 1 } }] } }, `${path}.a.b[0].c["$gt"]`],
    ["dotted key", { a: [[{ "x.y": 1 }]] }, `${path}.a[0][0]["x.y"]`],
    ["'__proto__' key", JSON.parse('{"a":{"b":{"__proto__":{"x":1}}}}') as JsonObject, `${path}.a.b.__proto__`],
    ["NUL key at level 16", wrap({ "\u0000": 1 }, maxJsonDepth - 1), `${path}${".a".repeat(maxJsonDepth - 1)}["\\u0000"]`],
  ])("names the path of a nested unsafe %s", (_name, value, field) => {
    expect(fieldsOf(validate({ [key]: value }).violations)).toEqual([field]);
  });

  it("reports every unsafe key, one violation each, with all its problems", () => {
    const value = { $a: 1, b: { "$c.d": 2, e: { "f.g": 3 } } };
    const { violations } = validate({ [key]: value });
    expect(fieldsOf(violations)).toEqual([`${path}["$a"]`, `${path}.b["$c.d"]`, `${path}.b.e["f.g"]`]);
    expect(violations[1]!.message).toMatch(/start with '\$'.*; must not contain '\.'/);
  });

  it("reports the size and the unsafe keys together", () => {
    const { violations } = validate({ [key]: { ...jsonOfBytes(maxJsonBytes), $x: 1 } });
    expect(fieldsOf(violations)).toEqual([`${path}["$x"]`, path]);
    expect(violations[1]!.message).toMatch(/too large/);
  });

  it("lists at most 20 bad keys and sums up the rest", () => {
    const value = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`$k${i}`, i]));
    const { violations } = validate({ [key]: value });
    expect(violations).toHaveLength(21);
    expect(violations[19]!.field).toBe(`${path}["$k19"]`);
    expect(violations[20]).toMatchObject({ field: path, message: expect.stringMatching(/10 more invalid keys or values/) });
  });

  it("truncates and escapes a huge, hostile key instead of echoing it", () => {
    const evil = `$\u202e${"k".repeat(10_000)}`;
    const [v, ...rest] = validate({ [key]: { [evil]: 1 } }).violations;
    expect(rest).toEqual([]);
    expect(v!.field).toBe(`${path}["$\\u202E${"k".repeat(62)}"…]`);
    expect(v!.message.length).toBeLessThan(200);
    expect(v!.message).not.toContain("\u202e");
  });

  it("stops at the depth limit on a very deep value without overflowing the stack", () => {
    const { violations } = validate({ [key]: nestedObjects(100_000) });
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(/nested too deeply/);
  });

  it("does not loop on a cycle (only possible from code, not JSON)", () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    const { violations } = validateIdentityFields(loose({ [key]: value }));
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(/nested too deeply/);
  });
});

describe("validateJsonObject", () => {
  it("exports the limits of the issue", () => {
    expect(exportedMaxJsonBytes).toBe(maxJsonBytes);
    expect(exportedMaxJsonDepth).toBe(maxJsonDepth);
  });

  it("uses the given path", () => {
    expect(validateJsonObject({ a: { $b: 1 } }, "body.traits")).toEqual([
      { field: 'body.traits.a["$b"]', code: "AVNOLOGY_AUTH_902", message: expect.stringMatching(/'\$'/) },
    ]);
  });

  it.each([
    ["undefined (not set)", undefined, 0],
    ["a valid object", { a: [1, { b: null }] }, 0],
    ["an array", [], 1],
    ["a number", 5, 1],
  ])("%s", (_name, value, count) => {
    expect(validateJsonObject(value, "x")).toHaveLength(count);
  });
});

describe("validateIdentityFields as a whole", () => {
  it("accepts the spec example and normalises it", () => {
    const input: IdentityFields = {
      ...emptyIdentityFields(),
      email: " jane.smith@example.com ",
      username: "jane_smith",
      firstName: " Jane ",
      lastName: "Smith",
      displayName: "Jane Smith",
      phone: "+14155551234",
      organizationId: "org_7a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
      locale: "en-us",
      timezone: "America/New_York",
      externalId: "crm-1",
      traits: { department: "Engineering" },
      adminMetadata: { plan: "pro" },
      metadata: {},
      emailVerified: true,
      phoneVerified: false,
      state: "",
    };
    const { fields, violations } = validateIdentityFields(input);
    expect(violations).toEqual([]);
    expect(fields).toEqual({ ...input, email: "jane.smith@example.com", firstName: "Jane", locale: "en-US", state: "active" });
    // The input is not mutated.
    expect(input.email).toBe(" jane.smith@example.com ");
  });

  it("reports every violation at once, in field order", () => {
    const input = loose({
      email: "Jane <jane@x.com>",
      username: "a",
      firstName: "a".repeat(256),
      lastName: "x\u0000",
      displayName: "\u202e",
      phone: "+1415555123",
      organizationId: "org_X",
      locale: "en_US",
      timezone: "+01:00",
      externalId: "\n",
      traits: { $x: 1 },
      adminMetadata: { "a.b": 1 },
      metadata: [],
      emailVerified: "no",
      phoneVerified: 0,
      state: "deleted",
    });
    const { violations } = validateIdentityFields(input);
    expect(fieldsOf(violations)).toEqual([
      "identity.email",
      "identity.username",
      "identity.first_name",
      "identity.last_name",
      "identity.display_name",
      "identity.phone",
      "identity.organization_id",
      "identity.locale",
      "identity.timezone",
      "identity.external_id",
      'identity.traits["$x"]',
      'identity.admin_metadata["a.b"]',
      "identity.metadata",
      "identity.email_verified",
      "identity.phone_verified",
      "identity.state",
    ]);
    for (const v of violations) {
      expect(v.code).toBe("AVNOLOGY_AUTH_902");
      expect(v.message.length).toBeGreaterThan(10);
      expect(v.message.length).toBeLessThan(250);
    }
  });

  it("uses the path option as the prefix", () => {
    expect(fieldsOf(validate({ email: "" }, { path: "request.identity" }).violations)).toEqual(["request.identity.email"]);
    expect(fieldsOf(validate({ email: "" }, { path: "" }).violations)).toEqual(["email"]);
  });

  describe("partial (update mask)", () => {
    const bad = loose({ email: "not-an-email", username: "!", phone: "123", locale: "en_US", traits: { $x: 1 }, state: "x" });

    it("checks only the listed fields and returns the others unchanged", () => {
      const { fields, violations } = validateIdentityFields(
        { ...bad, firstName: " Jane ", locale: "en-us" },
        { partial: new Set(["firstName", "locale"]) },
      );
      expect(violations).toEqual([]);
      expect(fields.firstName).toBe("Jane");
      expect(fields.locale).toBe("en-US");
      expect(fields.email).toBe("not-an-email");
      expect(fields.username).toBe("!");
    });

    it("does not require the email when it is not listed", () => {
      const r = validateIdentityFields({ ...emptyIdentityFields(), username: "jane" }, { partial: new Set(["username"]) });
      expect(r.violations).toEqual([]);
    });

    it("requires the email when it is listed", () => {
      const r = validateIdentityFields(emptyIdentityFields(), { partial: new Set(["email"]) });
      expectOne(r.violations, "identity.email", /is required/);
    });

    it("allows clearing an optional field", () => {
      const r = validateIdentityFields(emptyIdentityFields(), { partial: new Set(["phone", "traits", "firstName"]) });
      expect(r.violations).toEqual([]);
    });

    it("reports every listed field's violations", () => {
      const r = validateIdentityFields(bad, { partial: new Set(["email", "phone", "traits", "state"]) });
      expect(fieldsOf(r.violations)).toEqual(["identity.email", "identity.phone", 'identity.traits["$x"]', "identity.state"]);
    });
  });
});

describe("isValidOrganizationId", () => {
  it.each([
    ["org_7a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", true],
    ["org_acme", true],
    ["org_0", true],
    [`org_${"a".repeat(64)}`, true],
    ["org_", false],
    [`org_${"a".repeat(65)}`, false],
    ["org_Acme", false],
    ["org_acme ", false],
    ["org_ac.me", false],
    ["usr_acme", false],
    ["", false],
  ])("%j → %s", (id, valid) => {
    expect(isValidOrganizationId(id)).toBe(valid);
  });
});

describe("isValidIdentityId", () => {
  it.each([
    ["usr_4f18acec-2712-4be7-a9af-b063b4f6deba", true],
    ["usr_00000000-0000-0000-0000-000000000000", true],
    ["usr_01890a5d-ac96-774b-bcce-b302099a8057", true],
    ["usr_4F18ACEC-2712-4BE7-A9AF-B063B4F6DEBA", false],
    ["usr_4f18acec27124be7a9afb063b4f6deba", false],
    ["usr_4f18acec-2712-4be7-a9af-b063b4f6deb", false],
    ["usr_4f18acec-2712-4be7-a9af-b063b4f6debaa", false],
    ["usr_4f18acec-2712-4be7-a9af-b063b4f6debg", false],
    ["4f18acec-2712-4be7-a9af-b063b4f6deba", false],
    ["org_4f18acec-2712-4be7-a9af-b063b4f6deba", false],
    [" usr_4f18acec-2712-4be7-a9af-b063b4f6deba", false],
    ["", false],
  ])("%j → %s", (id, valid) => {
    expect(isValidIdentityId(id)).toBe(valid);
  });
});
