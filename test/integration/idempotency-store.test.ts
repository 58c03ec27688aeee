// The idempotency store on the real database: exactly one of many concurrent
// first requests runs, and exactly one of many concurrent retries takes over
// a record whose run crashed (lease expired) — on FerretDB too, where a
// guarded update alone would let several win.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type Database } from "../../src/store/mongo.js";
import { createIdempotencyStore, type IdempotencyStore } from "../../src/store/idempotency-store.js";
import { freshDatabaseUri } from "../support/test-server.js";

let database: Database;
let store: IdempotencyStore;
const leaseMs = 1_000;
beforeAll(async () => {
  database = await connectDatabase(freshDatabaseUri());
  store = await createIdempotencyStore(database.db, { retentionMs: 60_000, inProgressLeaseMs: leaseMs });
});
afterAll(async () => {
  await database.db.dropDatabase().catch(() => undefined);
  await database.close();
});

const begin = (id: string, now: Date) => store.begin({ id, method: "CreateIdentity", fingerprint: "f1", now });

describe("idempotency records", () => {
  it("let exactly one of 20 concurrent first requests run", async () => {
    const now = new Date();
    const results = await Promise.all(Array.from({ length: 20 }, () => begin("first-run", now)));
    expect(results.filter((r) => r.kind === "acquired")).toHaveLength(1);
    expect(results.filter((r) => r.kind === "in_progress")).toHaveLength(19);
  });

  it("let exactly one of 20 concurrent retries take over a crashed run, round after round", async () => {
    for (let round = 0; round < 5; round++) {
      const id = `crashed-${round}`;
      const start = new Date();
      expect((await begin(id, start)).kind).toBe("acquired"); // ...and that run never completes
      const later = new Date(start.getTime() + leaseMs + 1);
      const retries = await Promise.all(Array.from({ length: 20 }, () => begin(id, later)));
      expect(retries.filter((r) => r.kind === "acquired")).toHaveLength(1);
    }
  });

  it("refuses to complete with a lease that was taken over", async () => {
    const start = new Date();
    const first = await begin("taken-over", start);
    const second = await begin("taken-over", new Date(start.getTime() + leaseMs + 1));
    if (first.kind !== "acquired" || second.kind !== "acquired") throw new Error("expected both to acquire in turn");
    const outcome = { kind: "response" as const, message: new Uint8Array([1, 2, 3]) };
    expect(await store.complete("taken-over", first.lease, outcome, new Date())).toBe(false);
    expect(await store.complete("taken-over", second.lease, outcome, new Date())).toBe(true);
    expect(await begin("taken-over", new Date())).toMatchObject({ kind: "done", outcome });
  });
});
