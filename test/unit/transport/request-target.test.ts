import { describe, expect, it } from "vitest";
import { echoedPath, parseRequestTarget } from "../../../src/transport/rest/request-target.js";

describe("canonical request targets", () => {
  it.each([
    ["/v1/api-keys", "/v1/api-keys", ""],
    ["/v1/identities?page_size=2&email=a%40b.co", "/v1/identities", "page_size=2&email=a%40b.co"],
    ["/v1/identities/usr_1:setPassword", "/v1/identities/usr_1:setPassword", ""],
    ["/v1/identities:verifyPassword", "/v1/identities:verifyPassword", ""],
    ["/v1/identities/a%20b", "/v1/identities/a%20b", ""],
    ["/v1/identities/j%C3%BCrgen", "/v1/identities/j%C3%BCrgen", ""],
    ["/v1/identities/a.b..c", "/v1/identities/a.b..c", ""],
    ["/v1/identities/x?q=//../%2F", "/v1/identities/x", "q=//../%2F"],
  ])("%s is canonical", (raw, path, query) => {
    const target = parseRequestTarget(raw);
    expect(target?.path).toBe(path);
    expect(target?.query.toString()).toBe(new URLSearchParams(query).toString());
  });

  it.each([
    ["a network-path reference", "//evil.example/v1/api-keys"],
    ["a doubled slash", "/v1//api-keys"],
    ["a leading doubled slash", "//v1/api-keys"],
    ["a trailing slash", "/v1/api-keys/"],
    ["the root", "/"],
    ["a dot segment", "/v1/./api-keys"],
    ["a dot-dot segment", "/v1/identities/../api-keys"],
    ["a trailing dot-dot", "/v1/api-keys/.."],
    ["an encoded dot segment", "/v1/%2e/api-keys"],
    ["an encoded dot-dot segment", "/v1/identities/%2E%2e/api-keys"],
    ["a half-encoded dot-dot", "/v1/identities/.%2e/api-keys"],
    ["an encoded slash in a segment", "/v1/identities/a%2Fb"],
    ["an encoded slash, lower case", "/v1/identities/..%2fapi-keys"],
    ["an encoded backslash", "/v1/identities/a%5Cb"],
    ["a raw backslash", "/v1\\api-keys"],
    ["a fragment", "/v1/api-keys#x"],
    ["a raw space", "/v1/identities/a b"],
    ["raw non-ASCII", "/v1/identities/jürgen"],
    ["a malformed percent escape", "/v1/identities/%zz"],
    ["a truncated percent escape", "/v1/identities/a%2"],
    ["percent-encoded invalid UTF-8", "/v1/identities/%C3"],
    ["an absolute-form target", "http://localhost/v1/api-keys"],
    ["the asterisk form", "*"],
    ["an empty target", ""],
  ])("%s (%s) is not", (_name, raw) => {
    expect(parseRequestTarget(raw)).toBeUndefined();
  });

  it("404s echo the path only, cut to 256 characters", () => {
    expect(echoedPath("//evil.example/v1/api-keys?secret=x")).toBe("//evil.example/v1/api-keys");
    expect(echoedPath(`/${"a".repeat(1000)}`)).toHaveLength(257);
  });
});
