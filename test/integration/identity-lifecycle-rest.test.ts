// Get, Update, List, Delete, SetPassword and VerifyPassword over REST (plain
// fetch), against the real server and database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { createOrganization } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  rest(server.baseUrl, method, path, body, { ...server.auth, ...headers });

beforeAll(async () => {
  server = await startTestServer();
  // The organizations these tests name must exist in the tenant.
  for (const id of ["org_list-filters", "org_list-paging"]) await createOrganization(server, id);
});
afterAll(async () => {
  await server?.close();
});

async function createUser(email: string, extra: Record<string, unknown> = {}, password?: string) {
  const res = await call("POST", "/v1/identities", {
    identity: { email, ...extra },
    ...(password === undefined ? {} : { initial_password: password }),
  });
  expect(res.status).toBe(201);
  return res.json;
}

describe("GetIdentity", () => {
  it("answers the identity with its etag in the body and the ETag header", async () => {
    const createdRes = await call("POST", "/v1/identities", { identity: { email: "get.rest@example.com" } });
    const created = createdRes.json;
    expect(created.etag).toMatch(/^v\d+$/);
    expect(createdRes.headers.get("etag")).toBe(`"${created.etag}"`);
    const res = await call("GET", `/v1/identities/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.json.etag).toBe(created.etag);
    expect(res.headers.get("etag")).toBe(`"${created.etag}"`);
  });
});

describe("UpdateIdentity (PATCH)", () => {
  it("changes only the fields in ?update_mask, clears a masked field absent from the body, and sets updated_*", async () => {
    const created = await createUser("patch.mask@example.com", { phone: "+14155551234", first_name: "Ann", display_name: "A." });
    const res = await call("PATCH", `/v1/identities/${created.id}?update_mask=display_name,phone`, { display_name: "Jane S." });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ display_name: "Jane S.", phone: "", first_name: "Ann", email: "patch.mask@example.com" });
    expect(res.json.updated_by).not.toBe("");
    expect(Date.now() - Date.parse(res.json.updated_at)).toBeLessThan(60_000);
    expect(res.json.etag).not.toBe(created.etag);
    expect(res.headers.get("etag")).toBe(`"${res.json.etag}"`);
    const got = await call("GET", `/v1/identities/${created.id}`);
    expect(got.json).toEqual(res.json);
  });

  it("without a mask changes exactly the fields present in the body", async () => {
    const created = await createUser("patch.body@example.com", { first_name: "Keep", last_name: "Old" });
    const res = await call("PATCH", `/v1/identities/${created.id}`, { last_name: "New", traits: { team: "x" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ first_name: "Keep", last_name: "New", traits: { team: "x" } });
  });

  it("answers 412 AVNOLOGY_AUTH_050 for a stale If-Match and 200 for the current one", async () => {
    const created = await createUser("patch.ifmatch@example.com");
    const first = await call("PATCH", `/v1/identities/${created.id}`, { first_name: "One" }, { "If-Match": `"${created.etag}"` });
    expect(first.status).toBe(200);
    const stale = await call("PATCH", `/v1/identities/${created.id}`, { first_name: "Two" }, { "If-Match": `"${created.etag}"` });
    expect(stale.status).toBe(412);
    expect(stale.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_050", status: 412 });
    const current = await call("PATCH", `/v1/identities/${created.id}`, { first_name: "Three" }, { "If-Match": first.headers.get("etag")! });
    expect(current.status).toBe(200);
    expect(current.json.first_name).toBe("Three");
  });

  it("of two concurrent updates with the same etag, exactly one wins and the other gets 412", async () => {
    const created = await createUser("patch.race@example.com");
    const results = await Promise.all(
      ["Left", "Right", "Middle"].map((name) =>
        call("PATCH", `/v1/identities/${created.id}`, { first_name: name, etag: created.etag }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412]);
    const winner = results.find((r) => r.status === 200)!;
    const got = await call("GET", `/v1/identities/${created.id}`);
    expect(got.json.first_name).toBe(winner.json.first_name);
    expect(got.json.etag).toBe(winner.json.etag);
  });

  it.each([
    ["an unknown path", "nickname", "nickname"],
    ["the immutable id", "id", "id"],
    ["the output-only created_at", "created_at", "created_at"],
    ["a sub-field of traits", "traits.team", "traits"],
  ])("answers 400 AVNOLOGY_AUTH_902 for %s in the mask", async (_name, mask, mentioned) => {
    const created = await createUser(`mask.${mask.replace(/\W/g, "")}@example.com`);
    const res = await call("PATCH", `/v1/identities/${created.id}?update_mask=${mask}`, { first_name: "X" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "update_mask" } });
    expect(res.json.error.details.violations[0].message).toContain(mentioned);
    const got = await call("GET", `/v1/identities/${created.id}`);
    expect(got.json.first_name).toBe("");
  });

  it("applies create's field rules to masked fields (902) and answers 409 on a uniqueness clash", async () => {
    await createUser("taken.patch@example.com", { username: "taken_name" });
    const created = await createUser("patch.rules@example.com");
    const bad = await call("PATCH", `/v1/identities/${created.id}`, { phone: "555-1234", email: "" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.violations.map((v: { field: string }) => v.field).sort()).toEqual(["identity.email", "identity.phone"]);
    const clash = await call("PATCH", `/v1/identities/${created.id}`, { email: "TAKEN.patch@example.com" });
    expect(clash.status).toBe(409);
    expect(clash.json.error.code).toBe("AVNOLOGY_AUTH_014");
    const clashName = await call("PATCH", `/v1/identities/${created.id}`, { username: "Taken_Name" });
    expect(clashName.status).toBe(409);
    expect(clashName.json.error.code).toBe("AVNOLOGY_AUTH_015");
  });

  it("moves state between active and inactive, and resets email_verified when the email changes", async () => {
    const created = await createUser("verified.reset@example.com", { email_verified: true, phone_verified: true, phone: "+14155551234" });
    expect(created.email_verified).toBe(true);
    const suspended = await call("PATCH", `/v1/identities/${created.id}`, { state: "inactive" });
    expect(suspended.json.state).toBe("inactive");
    expect(suspended.json.email_verified).toBe(true);
    const moved = await call("PATCH", `/v1/identities/${created.id}`, { email: "verified.moved@example.com", state: "active" });
    expect(moved.json).toMatchObject({ state: "active", email_verified: false, phone_verified: true });
    const bad = await call("PATCH", `/v1/identities/${created.id}`, { state: "suspended" });
    expect(bad.status).toBe(400);
  });

  it("with validate_only checks everything and writes nothing", async () => {
    const created = await createUser("validate.patch@example.com");
    const res = await call("PATCH", `/v1/identities/${created.id}?validate_only=true`, { first_name: "Would" });
    expect(res.status).toBe(200);
    expect(res.json.first_name).toBe("Would");
    const got = await call("GET", `/v1/identities/${created.id}`);
    expect(got.json.first_name).toBe("");
    expect(got.json.etag).toBe(created.etag);
  });

  it("answers 404 for a missing identity", async () => {
    const res = await call("PATCH", "/v1/identities/usr_00000000-0000-4000-8000-000000000000", { first_name: "X" });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("AVNOLOGY_AUTH_040");
  });
});

describe("DeleteIdentity", () => {
  it("answers 204, frees email/username/external_id, and 404 the second time", async () => {
    const created = await createUser("delete.me@example.com", { username: "delete_me", external_id: "ext-del-1" });
    const res = await call("DELETE", `/v1/identities/${created.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await call("GET", `/v1/identities/${created.id}`)).status).toBe(404);
    const again = await call("DELETE", `/v1/identities/${created.id}`);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("AVNOLOGY_AUTH_040");
    await createUser("DELETE.me@example.com", { username: "delete_me", external_id: "ext-del-1" });
  });

  it("honours If-Match: 412 when stale, and the identity stays", async () => {
    const created = await createUser("delete.ifmatch@example.com");
    await call("PATCH", `/v1/identities/${created.id}`, { first_name: "Changed" });
    const res = await call("DELETE", `/v1/identities/${created.id}`, undefined, { "If-Match": `"${created.etag}"` });
    expect(res.status).toBe(412);
    expect((await call("GET", `/v1/identities/${created.id}`)).status).toBe(200);
  });
});

describe("ListIdentities", () => {
  it("filters by email and username case-insensitively, by state, organization and external id", async () => {
    const org = "org_list-filters";
    const a = await createUser("List.Filter.A@example.com", { username: "ListUserA", organization_id: org, external_id: "lf-a" });
    const b = await createUser("list.filter.b@example.com", { organization_id: org });
    await call("PATCH", `/v1/identities/${b.id}`, { state: "inactive" });
    const ids = async (query: string) => {
      const res = await call("GET", `/v1/identities?${query}`);
      expect(res.status).toBe(200);
      expect(res.json.next_page_token).toBe("");
      return res.json.identities.map((i: { id: string }) => i.id);
    };
    expect(await ids("email=list.filter.a%40EXAMPLE.com")).toEqual([a.id]);
    expect(await ids("username=listusera")).toEqual([a.id]);
    expect(await ids(`organization_id=${org}`)).toEqual([a.id, b.id]);
    expect(await ids(`organization_id=${org}&state=inactive`)).toEqual([b.id]);
    expect(await ids("external_id=lf-a")).toEqual([a.id]);
    expect(await ids(`external_id=LF-A`)).toEqual([]);
    expect(await ids(`organization_id=${org}&created_after=${encodeURIComponent(b.created_at)}`)).toEqual([b.id]);
    expect(await ids(`organization_id=${org}&created_before=${encodeURIComponent(b.created_at)}`)).toEqual([a.id]);
  });

  it("pages oldest first with opaque tokens, refuses a token with another filter, and clamps page_size", async () => {
    const org = "org_list-paging";
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await createUser(`paging.${i}@example.com`, { organization_id: org })).id);
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const res = await call("GET", `/v1/identities?organization_id=${org}&page_size=2${token ? `&page_token=${token}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.json.identities.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.identities.map((i: { id: string }) => i.id));
      token = res.json.next_page_token;
      pages++;
      if (pages === 1) {
        expect(token).not.toMatch(/^\d+$/);
        const other = await call("GET", `/v1/identities?organization_id=org_other&page_token=${token}`);
        expect(other.status).toBe(400);
        expect(other.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "page_token" } });
      }
    } while (token !== "");
    expect(seen).toEqual(made);
    expect(pages).toBe(3);
    const clamped = await call("GET", `/v1/identities?organization_id=${org}&page_size=100000`);
    expect(clamped.status).toBe(200);
    expect(clamped.json.identities).toHaveLength(5);
    const junk = await call("GET", "/v1/identities?page_token=not-a-token");
    expect(junk.status).toBe(400);
  });

  it("answers 400 for an unknown state", async () => {
    const res = await call("GET", "/v1/identities?state=suspended");
    expect(res.status).toBe(400);
    expect(res.json.error.details.field).toBe("state");
  });
});

describe("SetPassword and VerifyPassword", () => {
  it("sets a password under the create policy and verifies it; never returns a hash", async () => {
    const created = await createUser("password.rest@example.com");
    const weak = await call("POST", `/v1/identities/${created.id}:setPassword`, { password: "short" });
    expect(weak.status).toBe(400);
    expect(weak.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_011", details: { field: "password" } });
    const breached = await call("POST", `/v1/identities/${created.id}:setPassword`, { password: "password123" });
    expect(breached.json.error.code).toBe("AVNOLOGY_AUTH_010");
    const set = await call("POST", `/v1/identities/${created.id}:setPassword`, { password: "a fine long passphrase" });
    expect(set.status).toBe(200);
    expect(set.json.etag).not.toBe(created.etag);
    expect(set.text).not.toMatch(/argon2|passphrase/);

    const verify = (body: unknown) => call("POST", "/v1/identities:verifyPassword", body);
    expect((await verify({ email: "PASSWORD.rest@example.com", password: "a fine long passphrase" })).json).toEqual({ valid: true });
    expect((await verify({ id: created.id, password: "a fine long passphrase" })).json).toEqual({ valid: true });
    expect((await verify({ id: created.id, password: "wrong passphrase" })).json).toEqual({ valid: false });
    // Unknown identity: the decoy path answers like a wrong password.
    const unknown = await verify({ email: "nobody.here@example.com", password: "a fine long passphrase" });
    expect(unknown.status).toBe(200);
    expect(unknown.json).toEqual({ valid: false });
    const both = await verify({ email: "a@example.com", id: created.id, password: "x" });
    expect(both.status).toBe(400);

    await call("PATCH", `/v1/identities/${created.id}`, { state: "inactive" });
    expect((await verify({ id: created.id, password: "a fine long passphrase" })).json).toEqual({ valid: false });
  });

  it("answers 404 for setPassword on a missing identity", async () => {
    const res = await call("POST", "/v1/identities/usr_00000000-0000-4000-8000-000000000000:setPassword", { password: "a fine long passphrase" });
    expect(res.status).toBe(404);
  });
});
