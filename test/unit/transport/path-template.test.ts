import { describe, expect, it } from "vitest";
import { matchPathTemplate, parsePathTemplate } from "../../../src/transport/rest/path-template.js";

describe("path templates", () => {
  it.each([
    ["/v1/identities", "/v1/identities", {}],
    ["/v1/identities/{id}", "/v1/identities/usr_1", { id: "usr_1" }],
    ["/v1/identities/{id}", "/v1/identities/a%20b", { id: "a b" }],
    ["/v1/identities/{id}:setPassword", "/v1/identities/usr_1:setPassword", { id: "usr_1" }],
    ["/v1/identities:verifyPassword", "/v1/identities:verifyPassword", {}],
    ["/v1/{name=tenants/*/identities/*}", "/v1/tenants/t1/identities/u1", { name: "tenants/t1/identities/u1" }],
    ["/v1/files/{path=**}", "/v1/files/a/b/c", { path: "a/b/c" }],
  ])("%s matches %s", (template, path, expected) => {
    const bound = matchPathTemplate(parsePathTemplate(template), path);
    expect(bound && Object.fromEntries(bound)).toEqual(expected);
  });

  it.each([
    ["/v1/identities/{id}", "/v1/identities"],
    ["/v1/identities/{id}", "/v1/identities/usr_1/extra"],
    ["/v1/identities/{id}", "/v1/identities/"],
    ["/v1/identities/{id}", "/v1/identities/usr_1:setPassword"],
    ["/v1/identities/{id}:setPassword", "/v1/identities/usr_1"],
    ["/v1/identities:verifyPassword", "/v1/identities"],
    ["/v1/identities", "/v2/identities"],
    ["/v1/identities/{id}", "/v1/identities/%zz"],
    ["/v1/identities/{id}", "/v1/identities/%C3"],
  ])("%s does not match %s", (template, path) => {
    expect(matchPathTemplate(parsePathTemplate(template), path)).toBeNull();
  });

  it.each(["v1/no-leading-slash", "/v1/{id", "/v1/**/x", "/v1/a*b"])("rejects the malformed template %s", (template) => {
    expect(() => parsePathTemplate(template)).toThrow();
  });
});
