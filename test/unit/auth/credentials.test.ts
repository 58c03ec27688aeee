import { describe, expect, it } from "vitest";
import { generateApiKeySecret } from "../../../src/auth/api-key-secret.js";
import { parseAuthorization, wwwAuthenticate, type ParsedAuthorization } from "../../../src/auth/credentials.js";

const key = generateApiKeySecret();
// Shape of a real compact JWS; parsing never decodes it.
const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJl";

describe("parseAuthorization", () => {
  it.each<[string, string | null, ParsedAuthorization]>([
    ["no header", null, { kind: "none" }],
    ["empty header", "", { kind: "none" }],
    ["blank header", "   ", { kind: "none" }],
    ["API key", `Bearer ${key}`, { kind: "api_key", secret: key }],
    ["lower-case scheme", `bearer ${key}`, { kind: "api_key", secret: key }],
    ["upper-case scheme", `BEARER ${key}`, { kind: "api_key", secret: key }],
    ["several spaces", `Bearer   ${key}`, { kind: "api_key", secret: key }],
    ["surrounding whitespace", `  Bearer ${key} `, { kind: "api_key", secret: key }],
    ["JWT", `Bearer ${jwt}`, { kind: "bearer_jwt", token: jwt }],
    ["JWT, mixed-case scheme", `bEaReR ${jwt}`, { kind: "bearer_jwt", token: jwt }],
    ["truncated API key", `Bearer ${key.slice(0, -1)}`, { kind: "malformed" }],
    ["API key with junk appended", `Bearer ${key}.x.y`, { kind: "malformed" }],
    ["API key without scheme", key, { kind: "malformed" }],
    ["JWT without scheme", jwt, { kind: "malformed" }],
    ["scheme only", "Bearer", { kind: "malformed" }],
    ["scheme and space only", "Bearer ", { kind: "malformed" }],
    ["two credentials", `Bearer ${key} ${key}`, { kind: "malformed" }],
    ["tab separator", `Bearer\t${key}`, { kind: "malformed" }],
    ["Basic scheme", "Basic dXNlcjpwYXNz", { kind: "malformed" }],
    ["Basic scheme with a key", `Basic ${key}`, { kind: "malformed" }],
    ["two-part token", "Bearer aaa.bbb", { kind: "malformed" }],
    ["four-part token", "Bearer aaa.bbb.ccc.ddd", { kind: "malformed" }],
    ["unsigned JWT (empty signature)", "Bearer aaa.bbb.", { kind: "malformed" }],
    ["empty middle part", "Bearer aaa..ccc", { kind: "malformed" }],
    ["standard base64 chars", "Bearer aa+a.bb/b.ccc", { kind: "malformed" }],
    ["base64 padding", "Bearer aaa=.bbb.ccc", { kind: "malformed" }],
    ["opaque token", "Bearer some-opaque-token", { kind: "malformed" }],
    ["oversized token", `Bearer ${"a".repeat(5000)}.${"b".repeat(5000)}.c`, { kind: "malformed" }],
  ])("%s", (_name, header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });
});

describe("wwwAuthenticate", () => {
  it.each<[string, Parameters<typeof wwwAuthenticate>, string]>([
    ["no credentials: realm only", [], 'Bearer realm="avnology"'],
    ["invalid token", ["invalid_token"], 'Bearer realm="avnology", error="invalid_token"'],
    [
      "invalid token with description",
      ["invalid_token", "token expired"],
      'Bearer realm="avnology", error="invalid_token", error_description="token expired"',
    ],
    [
      "insufficient scope",
      ["insufficient_scope", "admin:users:write required"],
      'Bearer realm="avnology", error="insufficient_scope", error_description="admin:users:write required"',
    ],
    [
      "quotes, backslashes and line breaks are dropped",
      ["invalid_token", 'bad "x"\\\r\nSet-Cookie: a=b'],
      'Bearer realm="avnology", error="invalid_token", error_description="bad xSet-Cookie: a=b"',
    ],
    ["non-ASCII only: no description", ["invalid_token", "é—"], 'Bearer realm="avnology", error="invalid_token"'],
    ["description without error is left out", [undefined, "ignored"], 'Bearer realm="avnology"'],
  ])("%s", (_name, args, expected) => {
    expect(wwwAuthenticate(...args)).toBe(expected);
  });
});
