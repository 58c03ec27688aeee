// Issue 9 item 7: an address that differs from a stored one only by NFKC and
// case folding (ſ/s, ß/ss, ı/i, ﬃ/ffi, fullwidth, an IDNA A-label domain) is
// the same address for uniqueness: 409 AVNOLOGY_AUTH_014, not a second
// identity (rule: emailUniquenessKey in src/domain/validation/email.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { rekeyEmails } from "../../src/store/email-key-migration.js";
import { createOrgBoundKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const create = (email: string, extra: Record<string, unknown> = {}, auth = server.auth) =>
  rest(server.baseUrl, "POST", "/v1/identities", { identity: { email }, ...extra }, auth);

describe("look-alike addresses are one address", () => {
  it.each([
    ["ſ", "ſusan@example.com", "susan@example.com"],
    ["ß", "straße@example.com", "strasse@example.com"],
    ["ẞ", "STRAẞE2@example.com", "strasse2@example.com"],
    ["ı", "kırmızı@example.com", "kirmizi@example.com"],
    ["ﬃ", "oﬃce@example.com", "office@example.com"],
    ["fullwidth", "ｊａｎｅ@example.com", "jane@example.com"],
    ["an A-label domain", "jane@xn--bcher-kva.de", "jane@BÜCHER.de"],
  ])("%s: %s then %s → 409 AVNOLOGY_AUTH_014 (and the other way round)", async (_name, lookAlike, plain) => {
    const first = await create(lookAlike);
    expect(first.status, first.text).toBe(201);
    expect(first.json.email).toBe(lookAlike); // stored as written
    for (const extra of [{}, { validate_only: true }]) {
      const second = await create(plain, extra);
      expect(second.status, second.text).toBe(409);
      expect(second.json.error.code).toBe("AVNOLOGY_AUTH_014");
    }

    // The reverse order, on a fresh local part.
    const plainFirst = await create(`r.${plain}`);
    expect(plainFirst.status, plainFirst.text).toBe(201);
    const lookAlikeSecond = await create(`r.${lookAlike}`);
    expect(lookAlikeSecond.status, lookAlikeSecond.text).toBe(409);
    expect(lookAlikeSecond.json.error.code).toBe("AVNOLOGY_AUTH_014");
  });

  it("the email filter and VerifyPassword by email find the identity by any spelling", async () => {
    const created = await create("maß@example.com", { initial_password: "a sufficiently long passphrase" });
    expect(created.status, created.text).toBe(201);
    const listed = await rest(server.baseUrl, "GET", `/v1/identities?email=${encodeURIComponent("MASS@example.com")}`, undefined, server.auth);
    expect(listed.json.identities.map((i: { id: string }) => i.id)).toEqual([created.json.id]);
    const verified = await rest(server.baseUrl, "POST", "/v1/identities:verifyPassword", {
      email: "mass@example.com",
      password: "a sufficiently long passphrase",
    }, server.auth);
    expect(verified.json.valid).toBe(true);
  });

  it("an organization-bound caller also gets 014 for an address taken in another organization (documented in docs/errors.md)", async () => {
    const bound = await createOrgBoundKey(server);
    const taken = await create("elsewhere@example.com");
    expect(taken.status).toBe(201);
    for (const extra of [{}, { validate_only: true }]) {
      const res = await create("ELSEWHERE@example.com", extra, bound.auth);
      expect([res.status, res.json.error.code]).toEqual([409, "AVNOLOGY_AUTH_014"]);
    }
  });
});

describe("keys stored by the older rule (NFC + lower case)", () => {
  const oldKey = (email: string) => email.trim().normalize("NFC").toLowerCase();
  const identities = () => server.db.collection<{ _id: string; email_key: string }>("identities");
  const storeOldKey = async (id: string, email: string) => {
    await identities().updateOne({ _id: id }, { $set: { email_key: oldKey(email) } });
  };

  it("are re-keyed by rekeyEmails; two identities that are now one address are reported, not merged", async () => {
    const a = await create("ßold1@example.com");
    const b = await create("ſold2@example.com");
    expect([a.status, b.status]).toEqual([201, 201]);
    await storeOldKey(a.json.id, "ßold1@example.com");
    await storeOldKey(b.json.id, "ſold2@example.com");
    // With B's old key in place, its look-alike gets in: the gap the migration closes.
    const c = await create("sold2@example.com");
    expect(c.status, c.text).toBe(201);

    const report = await rekeyEmails(server.db);
    expect(report.rekeyed).toBeGreaterThanOrEqual(1);
    expect(report.conflicts).toEqual([{ id: b.json.id, tenantId: server.tenantId, newKey: "sold2@example.com" }]);
    expect((await identities().findOne({ _id: a.json.id }))?.email_key).toBe("ssold1@example.com");
    expect((await identities().findOne({ _id: b.json.id }))?.email_key).toBe(oldKey("ſold2@example.com"));

    const lookAlike = await create("SSOLD1@example.com");
    expect([lookAlike.status, lookAlike.json.error.code]).toEqual([409, "AVNOLOGY_AUTH_014"]);
    const again = await rekeyEmails(server.db);
    expect(again).toMatchObject({ rekeyed: 0, conflicts: report.conflicts });
  });
});
