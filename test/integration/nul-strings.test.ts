// A NUL in any string of a request is a 902 on every transport, before the
// store: the fuzz suite found `DELETE /v1/api-keys/%00` answering 500 (the
// PostgreSQL behind FerretDB cannot hold U+0000).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("a NUL character in a request", () => {
  it.each([
    ["DELETE", "/v1/api-keys/%00", undefined, "id"],
    ["GET", "/v1/identities/usr_%00", undefined, "id"],
    ["GET", "/v1/organizations/org_%00", undefined, "id"],
    ["GET", "/v1/identities?email=%00", undefined, "email"],
    ["POST", "/v1/identities", { identity: { email: "nul@example.com", traits: { a: "x\u0000" } } }, "identity"],
    ["POST", "/v1/identities:verifyPassword", { email: "a\u0000@example.com", password: "x" }, "email"],
  ] as const)("REST %s %s answers 400 902 naming the field", async (method, path, body, field) => {
    const res = await rest(server.baseUrl, method, path, body, server.auth);
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field } });
  });

  it("Connect (JSON) answers invalid_argument with 902", async () => {
    const res = await rest(server.baseUrl, "POST", "/avnology.identity.v1.OrganizationService/GetOrganization", { id: "org_\u0000" }, server.auth);
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_argument");
    expect(JSON.stringify(res.json.details)).toContain("AVNOLOGY_AUTH_902");
  });
});
