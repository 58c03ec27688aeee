// Optimistic concurrency under real races (REST, real server and database):
// same-etag writers, writers without an etag, and the write claims that make
// guarded writes atomic on FerretDB too (src/store/write-claims.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWriteClaims } from "../../src/store/write-claims.js";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  rest(server.baseUrl, method, path, body, { ...server.auth, ...headers });

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function createUser(email: string) {
  const res = await call("POST", "/v1/identities", { identity: { email } });
  expect(res.status).toBe(201);
  return res.json as { id: string; etag: string };
}

describe("same-etag writers", () => {
  it("of 10 concurrent updates with one etag exactly one wins, every round", { timeout: 60_000 }, async () => {
    for (let round = 0; round < 10; round++) {
      const user = await createUser(`etag.race.${round}@example.com`);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call("PATCH", `/v1/identities/${user.id}`, { first_name: `Writer${i}` }, { "If-Match": `"${user.etag}"` }),
        ),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 412)).toHaveLength(9);
      const stored = await call("GET", `/v1/identities/${user.id}`);
      expect(stored.json.first_name).toBe(winners[0]!.json.first_name);
      expect(stored.json.etag).toBe(winners[0]!.json.etag);
    }
  });

  it("an update and a delete racing on one etag: exactly one of them happens", async () => {
    for (let round = 0; round < 5; round++) {
      const user = await createUser(`etag.delete.${round}@example.com`);
      const ifMatch = { "If-Match": `"${user.etag}"` };
      const [updated, deleted] = await Promise.all([
        call("PATCH", `/v1/identities/${user.id}`, { first_name: "Kept" }, ifMatch),
        call("DELETE", `/v1/identities/${user.id}`, undefined, ifMatch),
      ]);
      const stored = await call("GET", `/v1/identities/${user.id}`);
      if (updated.status === 200) {
        // The update won: the delete saw a stale etag and the identity stays.
        expect(deleted.status).toBe(412);
        expect(stored.json.first_name).toBe("Kept");
      } else {
        // The delete won: the update lost its etag race (412) or found the identity gone (404).
        expect(deleted.status).toBe(204);
        expect([404, 412]).toContain(updated.status);
        expect(stored.status).toBe(404);
      }
    }
  });
});

describe("writers without an etag", () => {
  it("never lose each other's fields: each write lands on the version it read", async () => {
    const user = await createUser("no.etag.race@example.com");
    const changes = [
      { first_name: "F" },
      { last_name: "L" },
      { display_name: "D" },
      { username: "no_etag_racer" },
      { locale: "en-US" },
      { timezone: "Europe/Paris" },
    ];
    const results = await Promise.all(changes.map((body) => call("PATCH", `/v1/identities/${user.id}`, body)));
    expect(results.map((r) => r.status)).toEqual(changes.map(() => 200));
    const stored = await call("GET", `/v1/identities/${user.id}`);
    expect(stored.json).toMatchObject(Object.assign({}, ...changes));
    expect(stored.json.etag).toBe(`v${1 + changes.length}`);
  });
});

describe("write claims", () => {
  it("refuse a live claim and take over one abandoned by a dead process", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const claims = createWriteClaims(server.db, { leaseMs: 30_000, now: () => now, alwaysClaim: true });
    let release!: () => void;
    const held = claims.withClaim("test/key", 7, () => new Promise<string>((r) => (release = () => r("first"))));
    await new Promise((r) => setTimeout(r, 50));
    expect(await claims.withClaim("test/key", 7, async () => "second")).toEqual({ won: false });
    expect(await claims.withClaim("test/key", 8, async () => "other version")).toEqual({ won: true, value: "other version" });
    release();
    expect(await held).toEqual({ won: true, value: "first" });
    expect(await claims.withClaim("test/key", 7, async () => "after release")).toEqual({ won: true, value: "after release" });

    // A claim left behind by a crash: refused within the lease, taken over after it.
    await server.db.collection("write_claims").insertOne({ _id: "test/crashed@1" as never, at: now });
    expect(await claims.withClaim("test/crashed", 1, async () => "too early")).toEqual({ won: false });
    now = new Date(now.getTime() + 31_000);
    expect(await claims.withClaim("test/crashed", 1, async () => "taken over")).toEqual({ won: true, value: "taken over" });
    expect(await server.db.collection("write_claims").countDocuments({ _id: { $in: ["test/crashed@1", "test/key@7"] } as never })).toBe(0);
  });
});
