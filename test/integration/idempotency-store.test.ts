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

  it("keeps a run that renews its lease: no takeover while it is alive, and a renewal after a takeover fails", async () => {
    const start = new Date();
    const run = await begin("renewed", start);
    if (run.kind !== "acquired") throw new Error("expected to acquire");
    const renewedAt = new Date(start.getTime() + leaseMs - 10);
    expect(await store.renew("renewed", run.lease, renewedAt)).toBe(true);
    // Past the first lease, within the renewed one: still running.
    expect((await begin("renewed", new Date(start.getTime() + leaseMs + 1))).kind).toBe("in_progress");
    const taker = await begin("renewed", new Date(renewedAt.getTime() + leaseMs + 1));
    expect(taker.kind).toBe("acquired");
    expect(await store.renew("renewed", run.lease, new Date())).toBe(false);
    expect(await store.plan("renewed", run.lease, "usr_late")).toBe(false);
  });

  it("hands the planned id of an abandoned run to the retry that takes it over, and to no other request", async () => {
    const start = new Date();
    const run = await begin("planned", start);
    if (run.kind !== "acquired") throw new Error("expected to acquire");
    expect(run.plannedId).toBeUndefined();
    expect(await store.plan("planned", run.lease, "usr_planned")).toBe(true);
    const later = new Date(start.getTime() + leaseMs + 1);
    // Another request under the key of an abandoned run: the key is used.
    expect(await store.begin({ id: "planned", method: "CreateIdentity", fingerprint: "f2", now: later })).toEqual({
      kind: "in_progress",
      fingerprint: "f1",
    });
    const retry = await begin("planned", later);
    expect(retry).toMatchObject({ kind: "acquired", plannedId: "usr_planned" });
    // Abandoned again: the plan survives a second takeover too.
    const again = await begin("planned", new Date(later.getTime() + leaseMs + 1));
    expect(again).toMatchObject({ kind: "acquired", plannedId: "usr_planned" });
  });

  it("starts an expired record afresh, without its plan", async () => {
    const short = await createIdempotencyStore(database.db, { retentionMs: 2_000, inProgressLeaseMs: leaseMs });
    const start = new Date();
    const run = await short.begin({ id: "expired-plan", method: "CreateIdentity", fingerprint: "f1", now: start });
    if (run.kind !== "acquired") throw new Error("expected to acquire");
    await short.plan("expired-plan", run.lease, "usr_old");
    await short.complete("expired-plan", run.lease, { kind: "response", message: new Uint8Array([1]), headers: { etag: '"v1"' } }, start);
    expect(await short.begin({ id: "expired-plan", method: "CreateIdentity", fingerprint: "f1", now: start })).toMatchObject({
      kind: "done",
      outcome: { kind: "response", headers: { etag: '"v1"' } },
    });
    const afterRetention = new Date(start.getTime() + 2_001);
    const fresh = await short.begin({ id: "expired-plan", method: "CreateIdentity", fingerprint: "f2", now: afterRetention });
    expect(fresh.kind).toBe("acquired");
    expect(fresh.kind === "acquired" && fresh.plannedId).toBeUndefined();
  });

  it("answers in progress (never fails) while a claim left by a process killed mid-write is fresh, then lets the retry take over", async () => {
    const start = new Date(Date.now() - 2 * leaseMs);
    const run = await begin("killed-mid-write", start);
    if (run.kind !== "acquired") throw new Error("expected to acquire");
    // The dead owner was renewing when it was killed: its claim on the lease stays behind.
    await database.db.collection<{ _id: string; at: Date }>("write_claims").insertOne({ _id: `idempotency:killed-mid-write:${run.lease}@0`, at: new Date() });
    expect((await begin("killed-mid-write", new Date())).kind).toBe("in_progress");
    await new Promise((resolve) => setTimeout(resolve, leaseMs + 50)); // the claim ages out (its lease is the record's)
    expect((await begin("killed-mid-write", new Date())).kind).toBe("acquired");
  });
});
