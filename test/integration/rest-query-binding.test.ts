// Issue 9 item 1: a query parameter never retargets a REST call. Against the
// real server: every route of the contract (read from the descriptors) refuses
// a query parameter naming a field its path or body binds, and the attacks of
// the issue leave the other record alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { boundQueryNames, contractRoutes, fillTemplate, routeName } from "../support/contract-routes.js";
import { createKey, createOrganization, type TestKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
const routes = await contractRoutes();
const call = (method: string, path: string, body?: unknown, auth: Readonly<Record<string, string>> = server.auth) =>
  rest(server.baseUrl, method, path, body, auth);

async function createIdentity(email: string): Promise<{ id: string; display_name: string }> {
  const res = await call("POST", "/v1/identities", { identity: { email, display_name: email } });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("every route refuses a query parameter naming a path- or body-bound field", () => {
  const cases = routes.flatMap((r) => boundQueryNames(r).map((name) => [routeName(r), name, r] as const));
  it("covers every route with a bound field", () => {
    expect(new Set(cases.map(([name]) => name))).toEqual(
      new Set(routes.filter((r) => r.template.variables.length > 0 || r.body !== "").map(routeName)),
    );
  });

  it.each(cases)("%s ?%s=B → 400 AVNOLOGY_AUTH_902 naming the parameter", async (_name, param, route) => {
    const path = `${fillTemplate(route, () => "A")}?${encodeURIComponent(param)}=B`;
    const res = await call(route.httpMethod, path, route.body === "" ? undefined : {});
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", status: 400, details: { field: param } });
    expect(res.json.error.details.violations).toEqual([{ field: param, code: "AVNOLOGY_AUTH_902", message: expect.any(String) }]);
  });
});

describe("the attacks of the issue leave the other record alone", () => {
  let a: { id: string; display_name: string };
  let b: { id: string; display_name: string };
  beforeAll(async () => {
    a = await createIdentity("query.a@example.com");
    b = await createIdentity("query.b@example.com");
  });

  const unchanged = async () => {
    for (const identity of [a, b]) {
      const res = await call("GET", `/v1/identities/${identity.id}`);
      expect(res.status, res.text).toBe(200);
      expect(res.json.display_name).toBe(identity.display_name);
    }
  };

  it("DELETE /v1/identities/A?id=B deletes neither", async () => {
    const res = await call("DELETE", `/v1/identities/${a.id}?id=${b.id}`);
    expect(res.status).toBe(400);
    expect(res.json.error.details.field).toBe("id");
    await unchanged();
  });

  it.each([
    ["?identity.id=B", (id: string) => `identity.id=${id}`],
    ["?update_mask=display_name&identity.id=B", (id: string) => `update_mask=display_name&identity.id=${id}`],
  ])("PATCH /v1/identities/A%s updates neither", async (_name, query) => {
    const res = await call("PATCH", `/v1/identities/${a.id}?${query(b.id)}`, { display_name: "Mallory" });
    expect(res.status).toBe(400);
    expect(res.json.error.details.field).toBe("identity.id");
    await unchanged();
  });

  it("PATCH /v1/identities/A?identity.display_name=x does not write through the query", async () => {
    const res = await call("PATCH", `/v1/identities/${a.id}?identity.displayName=Mallory`, {});
    expect(res.status).toBe(400);
    expect(res.json.error.details.field).toBe("identity.displayName");
    await unchanged();
  });

  it("GET /v1/identities/A?id=B answers neither", async () => {
    const res = await call("GET", `/v1/identities/${a.id}?id=${b.id}`);
    expect(res.status).toBe(400);
    expect(res.json.error.details.field).toBe("id");
    expect(res.text).not.toContain(b.id);
  });

  it("POST /v1/identities/A:setPassword?id=B sets neither password", async () => {
    const res = await call("POST", `/v1/identities/${a.id}:setPassword?id=${b.id}`, { password: "a brand new passphrase 1" });
    expect(res.status).toBe(400);
    expect(res.json.error.details.field).toBe("id");
    for (const identity of [a, b]) {
      const verify = await call("POST", "/v1/identities:verifyPassword", { id: identity.id, password: "a brand new passphrase 1" });
      expect(verify.json.valid).toBe(false);
    }
  });

  it("a body's id does not retarget either: the path names the resource", async () => {
    const res = await call("POST", `/v1/identities/${a.id}:setPassword`, { id: b.id, password: "another new passphrase 2" });
    expect(res.status, res.text).toBe(200);
    const verifyA = await call("POST", "/v1/identities:verifyPassword", { id: a.id, password: "another new passphrase 2" });
    const verifyB = await call("POST", "/v1/identities:verifyPassword", { id: b.id, password: "another new passphrase 2" });
    expect([verifyA.json.valid, verifyB.json.valid]).toEqual([true, false]);
  });

  describe("API keys and organizations", () => {
    let x: TestKey;
    let y: TestKey;
    beforeAll(async () => {
      x = await createKey(server, { name: "x" });
      y = await createKey(server, { name: "y" });
    });

    it("DELETE /v1/api-keys/X?id=Y revokes neither", async () => {
      const res = await call("DELETE", `/v1/api-keys/${x.id}?id=${y.id}`);
      expect(res.status).toBe(400);
      expect(res.json.error.details.field).toBe("id");
      for (const key of [x, y]) expect((await call("GET", "/v1/identities?page_size=1", undefined, key.auth)).status).toBe(200);
    });

    it("GET /v1/organizations/O1?id=O2 answers neither", async () => {
      const o1 = await createOrganization(server, "org_query-one");
      const o2 = await createOrganization(server, "org_query-two");
      const res = await call("GET", `/v1/organizations/${o1}?id=${o2}`);
      expect(res.status).toBe(400);
      expect(res.json.error.details.field).toBe("id");
    });
  });

  it("query parameters that name free fields still work (update_mask, filters, organization_id)", async () => {
    const patched = await call("PATCH", `/v1/identities/${a.id}?update_mask=first_name`, { first_name: "Ann" });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.id).toBe(a.id);
    const camel = await call("PATCH", `/v1/identities/${a.id}?updateMask=last_name`, { last_name: "Lee" });
    expect(camel.status, camel.text).toBe(200);
    const listed = await call("GET", `/v1/identities?email=${encodeURIComponent("QUERY.B@example.com")}`);
    expect(listed.json.identities.map((i: { id: string }) => i.id)).toEqual([b.id]);
  });
});
