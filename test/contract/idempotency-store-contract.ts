// What every IdempotencyStore promises (src/store/idempotency-store.ts):
// of concurrent first requests exactly one acquires the record; an
// in-progress record whose lease expired is taken over by exactly one
// retry, with a new lease; only the current lease completes or releases; a
// finished outcome is replayed until `retentionMs` after completion, after
// which the record counts as absent and deleteExpired() removes it.
// Stores are made with `contractIdempotencyOptions`.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { IdempotencyStore, IdempotencyStoreOptions, StoredOutcome } from "../../src/store/interfaces.js";

export const contractIdempotencyOptions: IdempotencyStoreOptions = { retentionMs: 60_000, inProgressLeaseMs: 1_000 };
const { retentionMs, inProgressLeaseMs: leaseMs } = contractIdempotencyOptions;

const t0 = new Date("2026-06-01T00:00:00.000Z");
const at = (ms: number, from = t0) => new Date(from.getTime() + ms);
const response: StoredOutcome = { kind: "response", message: new Uint8Array([8, 1, 18, 3, 97, 98, 99]) };

export function describeIdempotencyStore(implementation: string, make: () => Promise<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${implementation}`, () => {
    let store: IdempotencyStore;
    beforeAll(async () => {
      store = await make();
    });
    const begin = (id: string, now: Date, fingerprint = "fp-1") => store.begin({ id, method: "CreateIdentity", fingerprint, now });
    async function acquired(id: string, now: Date): Promise<string> {
      const result = await begin(id, now);
      if (result.kind !== "acquired") throw new Error(`expected to acquire ${id}, got ${result.kind}`);
      return result.lease;
    }

    it("runs the first request, answers in_progress while it runs, then replays its outcome", async () => {
      const id = randomUUID();
      const lease = await acquired(id, t0);
      expect(await begin(id, at(10), "fp-2")).toEqual({ kind: "in_progress", fingerprint: "fp-1" });
      expect(await store.complete(id, lease, response, at(20))).toBe(true);
      expect(await begin(id, at(30), "fp-2")).toEqual({ kind: "done", fingerprint: "fp-1", outcome: response });
      // A finished record is never "abandoned": past the lease it still replays.
      expect(await begin(id, at(leaseMs * 5))).toEqual({ kind: "done", fingerprint: "fp-1", outcome: response });
    });

    it("replays an error outcome with its details", async () => {
      const id = randomUUID();
      const error: StoredOutcome = {
        kind: "error",
        code: "AVNOLOGY_AUTH_014",
        message: "A user with this email already exists",
        details: { field: "email", value: "jane@example.com", nested: [1, { a: null }] },
      };
      const lease = await acquired(id, t0);
      expect(await store.complete(id, lease, error, at(1))).toBe(true);
      expect(await begin(id, at(2))).toEqual({ kind: "done", fingerprint: "fp-1", outcome: error });
    });

    it("lets exactly one of 20 concurrent first requests run", async () => {
      const id = randomUUID();
      const results = await Promise.all(Array.from({ length: 20 }, () => begin(id, t0)));
      expect(results.filter((r) => r.kind === "acquired")).toHaveLength(1);
      expect(results.filter((r) => r.kind === "in_progress")).toHaveLength(19);
    });

    it("lets exactly one of 20 concurrent retries take over a run whose lease expired", async () => {
      const id = randomUUID();
      await acquired(id, t0); // ...and that run never completes
      expect((await begin(id, at(leaseMs - 1))).kind).toBe("in_progress");
      const retries = await Promise.all(Array.from({ length: 20 }, () => begin(id, at(leaseMs))));
      expect(retries.filter((r) => r.kind === "acquired")).toHaveLength(1);
    });

    it("a renewed lease is not taken over; an abandoned run's planned id goes to the retry that takes over", async () => {
      const id = randomUUID();
      const lease = await acquired(id, t0);
      expect(await store.renew(id, lease, at(leaseMs - 10))).toBe(true);
      expect((await begin(id, at(leaseMs + 10))).kind).toBe("in_progress"); // renewed: still held
      expect(await store.plan(id, lease, "usr_planned")).toBe(true);
      // ...and that run dies: the retry of the same request takes over with the plan.
      const retry = await begin(id, at(leaseMs * 3));
      expect(retry).toEqual({ kind: "acquired", lease: expect.any(String), plannedId: "usr_planned" });
      expect(await store.renew(id, lease, at(leaseMs * 3))).toBe(false); // the old lease is gone
      expect(await store.plan(id, lease, "usr_other")).toBe(false);
    });

    it("never hands an abandoned run to a different request under the same key", async () => {
      const id = randomUUID();
      await acquired(id, t0);
      expect(await begin(id, at(leaseMs * 3), "fp-other")).toEqual({ kind: "in_progress", fingerprint: "fp-1" });
    });

    it("keeps the headers of a response outcome", async () => {
      const id = randomUUID();
      const lease = await acquired(id, t0);
      const withEtag: StoredOutcome = { kind: "response", message: new Uint8Array([8, 1]), headers: { etag: '"v1"' } };
      expect(await store.complete(id, lease, withEtag, at(1))).toBe(true);
      expect(await begin(id, at(2))).toEqual({ kind: "done", fingerprint: "fp-1", outcome: withEtag });
    });

    it("completes only with the current lease", async () => {
      const id = randomUUID();
      const first = await acquired(id, t0);
      const second = await acquired(id, at(leaseMs + 1));
      expect(second).not.toBe(first);
      expect(await store.complete(id, first, response, at(leaseMs + 2))).toBe(false);
      expect(await store.complete(id, second, response, at(leaseMs + 3))).toBe(true);
      expect(await store.complete(id, second, response, at(leaseMs + 4))).toBe(false);
      expect(await store.complete(randomUUID(), second, response, at(leaseMs + 4))).toBe(false);
    });

    it("releases only with the current lease, after which a retry runs again", async () => {
      const id = randomUUID();
      const lease = await acquired(id, t0);
      await store.release(id, "not-the-lease");
      expect((await begin(id, at(1))).kind).toBe("in_progress");
      await store.release(id, lease);
      expect((await begin(id, at(2))).kind).toBe("acquired");
    });

    it("keeps a finished outcome for retentionMs after completion, then runs anew", async () => {
      const id = randomUUID();
      const lease = await acquired(id, t0);
      const completedAt = at(5_000);
      await store.complete(id, lease, response, completedAt);
      expect((await begin(id, at(retentionMs - 1, completedAt))).kind).toBe("done");
      expect((await begin(id, at(retentionMs, completedAt))).kind).toBe("acquired");
    });

    it("deletes exactly the expired records", async () => {
      // An era of its own, before every other test's records.
      const era = new Date("2001-01-01T00:00:00.000Z");
      const [done, running, fresh] = [randomUUID(), randomUUID(), randomUUID()];
      await store.complete(done, await acquired(done, era), response, era);
      await acquired(running, era);
      await acquired(fresh, at(retentionMs, era));
      expect(await store.deleteExpired(at(retentionMs - 1, era))).toBe(0);
      expect(await store.deleteExpired(at(retentionMs, era))).toBe(2);
      expect((await begin(fresh, at(retentionMs + 1, era))).kind).toBe("in_progress");
      expect((await begin(done, at(retentionMs + 1, era))).kind).toBe("acquired");
    });
  });
}
