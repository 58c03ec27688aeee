// CreateIdentity beyond the error table: validate_only, normalisation,
// optional unique fields, the hashing queue's load shedding, the range API,
// and secrets staying out of responses and logs.
import http from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
const logLines: string[] = [];
beforeAll(async () => {
  server = await startTestServer({}, { logLines });
});
afterAll(async () => {
  await server?.close();
});

const create = (body: unknown, s: TestServer = server) => rest(s.baseUrl, "POST", "/v1/identities", body, s.auth);
const count = (filter: Record<string, unknown>, s: TestServer = server) => s.db.collection("identities").countDocuments(filter);

describe("validate_only", () => {
  it("answers 200 with the normalised identity, writes nothing, and a real create still succeeds", async () => {
    const identity = { email: "  Val.Only@Example.com ", username: "val_only", locale: "en-us", timezone: "america/new_york", first_name: " Val " };
    const checked = await create({ identity, initial_password: "a perfectly fine passphrase", validate_only: true });
    expect(checked.status).toBe(200);
    expect(checked.json).toMatchObject({
      id: "",
      email: "Val.Only@Example.com",
      locale: "en-US",
      timezone: "America/New_York",
      first_name: "Val",
      state: "active",
      created_at: null,
    });
    expect(await count({ email_key: "val.only@example.com" })).toBe(0);

    const created = await create({ identity, initial_password: "a perfectly fine passphrase" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ email: "Val.Only@Example.com", locale: "en-US", timezone: "America/New_York" });
    expect(await count({ email_key: "val.only@example.com" })).toBe(1);
  });

  it("runs the uniqueness, policy and breach checks too", async () => {
    await create({ identity: { email: "vo.taken@example.com" } });
    const taken = await create({ identity: { email: "VO.taken@example.com" }, validate_only: true });
    expect([taken.status, taken.json.error.code]).toEqual([409, "AVNOLOGY_AUTH_014"]);
    const breached = await create({ identity: { email: "vo.b@example.com" }, initial_password: "password123", validate_only: true });
    expect([breached.status, breached.json.error.code]).toEqual([400, "AVNOLOGY_AUTH_010"]);
    const weak = await create({ identity: { email: "vo.w@example.com" }, initial_password: "1234", validate_only: true });
    expect([weak.status, weak.json.error.code]).toEqual([400, "AVNOLOGY_AUTH_011"]);
  });
});

describe("optional unique fields", () => {
  it("lets any number of identities have no username and no external_id", async () => {
    for (const email of ["nouser1@example.com", "nouser2@example.com", "nouser3@example.com"]) {
      expect((await create({ identity: { email } })).status).toBe(201);
    }
    expect(await count({ username: "", email_key: /^nouser/ })).toBe(3);
  });

  it("keeps the email as given for display and unique after NFC normalisation", async () => {
    const composed = "jos\u00e9@example.com";
    const decomposed = "jose\u0301@example.com";
    expect((await create({ identity: { email: composed } })).status).toBe(201);
    const dup = await create({ identity: { email: decomposed.toUpperCase() } });
    expect([dup.status, dup.json.error?.code]).toEqual([409, "AVNOLOGY_AUTH_014"]);
  });
});

describe("secrets", () => {
  it("never writes a password to a response or a log line", async () => {
    const password = "Unique-Secret-Passphrase-4711";
    await create({ identity: { email: "secret.a@example.com" }, initial_password: password });
    await create({ identity: { email: "not an email" }, initial_password: password });
    await create({ identity: { email: "secret.b@example.com" }, initial_password: "secret.b" });
    await create({ identity: { email: "secret.a@example.com" }, initial_password: password });
    expect(logLines.length).toBeGreaterThan(0); // the rejections above were logged
    expect(logLines.join("\n")).not.toContain(password);
    expect(logLines.join("\n")).not.toContain("secret.b\"");
  });
});

describe("the Argon2id queue", () => {
  it("sheds creates at once with 503 AVNOLOGY_AUTH_950 and Retry-After when full", async () => {
    const small = await startTestServer({ ARGON2_MAX_CONCURRENT: "1", ARGON2_MAX_QUEUE: "1" });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          create({ identity: { email: `flood${i}@example.com` }, initial_password: "flood of creates, all fine" }, small),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(2);
      const shed = results.filter((r) => r.status === 503);
      expect(shed.length).toBeGreaterThan(0);
      for (const r of shed) {
        expect(r.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_950", status: 503 });
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      expect(await count({}, small)).toBe(statuses.filter((s) => s === 201).length);
    } finally {
      await small.close();
    }
  });
});

describe("the k-anonymity range API (BREACH_API_URL)", () => {
  it("rejects a password the range API knows, and fails closed when told to", async () => {
    const leaked = "only-the-range-api-knows-this";
    const sha1 = createHash("sha1").update(leaked).digest("hex").toUpperCase();
    const prefixes: string[] = [];
    const range = http.createServer((req, res) => {
      prefixes.push(req.url ?? "");
      res.end(req.url === `/range/${sha1.slice(0, 5)}` ? `${sha1.slice(5)}:42\r\n0000000000000000000000000000000000A:1` : "");
    });
    await new Promise<void>((r) => range.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(range.address() as AddressInfo).port}`;
    const withApi = await startTestServer({ BREACH_API_URL: url });
    const closed = await startTestServer({ BREACH_API_URL: "http://127.0.0.1:9", BREACH_API_FAIL_OPEN: "0" });
    try {
      const res = await create({ identity: { email: "k.anon@example.com" }, initial_password: leaked }, withApi);
      expect([res.status, res.json.error?.code]).toEqual([400, "AVNOLOGY_AUTH_010"]);
      expect(prefixes).toEqual([`/range/${sha1.slice(0, 5)}`]); // only the 5-character prefix left
      const ok = await create({ identity: { email: "k.anon2@example.com" }, initial_password: "nobody has breached this one" }, withApi);
      expect(ok.status).toBe(201);

      const down = await create({ identity: { email: "offline.check@example.com" }, initial_password: "the api is down today" }, closed);
      expect([down.status, down.json.error?.code]).toEqual([503, "AVNOLOGY_AUTH_950"]);
    } finally {
      await Promise.all([withApi.close(), closed.close()]);
      range.close();
    }
  });
});
