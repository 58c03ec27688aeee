// The background sharing of budgets between instances, with an in-memory
// store that keeps the same contract as the MongoDB one (sum per document).
import { describe, expect, it } from "vitest";
import { scopes } from "../../../src/auth/caller.js";
import type { RateLimitConfig } from "../../../src/config/config.js";
import { createRateLimiter } from "../../../src/reliability/rate-limit/limiter.js";
import { limitKeysOf } from "../../../src/transport/pipeline/rate-limit-step.js";
import { createBudgetSync, usageWindowMs } from "../../../src/reliability/rate-limit/sync.js";
import type { RateLimitStore } from "../../../src/store/rate-limit-store.js";

function memoryStore(): RateLimitStore & { docs: Map<string, { n: number; expiresAt: Date }> } {
  const docs = new Map<string, { n: number; expiresAt: Date }>();
  return {
    docs,
    async add(increments) {
      for (const { id, count, expiresAt } of increments) {
        const doc = docs.get(id) ?? { n: 0, expiresAt };
        doc.n += count;
        docs.set(id, doc);
      }
    },
    async totals(ids) {
      return new Map(ids.filter((id) => docs.has(id)).map((id) => [id, docs.get(id)!.n]));
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [id, doc] of docs) if (doc.expiresAt <= now && docs.delete(id)) deleted++;
      return deleted;
    },
  };
}

const rl: RateLimitConfig = {
  credential: { ratePerSecond: 1, burst: 10 },
  tenant: { ratePerSecond: 1000, burst: 1000 },
  password: { ratePerSecond: 1, burst: 1 },
  syncIntervalMs: 100,
  exemptServices: [],
};
const keys = limitKeysOf({ kind: "api_key", subject: "key_1", tenantId: "ten_a", scopes: new Set(scopes) }, false, rl);

describe("budget sync between instances", () => {
  it("charges each instance with what the other took, so together they stay near one budget", async () => {
    let now = usageWindowMs * 1000 + 5_000;
    const store = memoryStore();
    const a = createRateLimiter(() => now);
    const b = createRateLimiter(() => now);
    const syncA = createBudgetSync(a, store, () => now);
    const syncB = createBudgetSync(b, store, () => now);

    // Both know the key (first sync is the baseline), then A spends 6.
    a.take(keys);
    b.take(keys);
    await syncA.sync();
    await syncB.sync();
    for (let i = 0; i < 6; i++) expect(a.take(keys).allowed).toBe(true);
    await syncA.sync();
    await syncB.sync();
    // B had 9 left; A's 6 are charged: 3 remain.
    let allowedOnB = 0;
    while (b.take(keys).allowed) allowedOnB++;
    expect(allowedOnB).toBe(3);
    await syncB.sync();
    await syncA.sync();
    // A had 3 left and is charged B's 3.
    expect(a.take(keys).allowed).toBe(false);
  });

  it("carries a tracked key across a window boundary without losing remote use", async () => {
    let now = usageWindowMs * 2000 + usageWindowMs - 50;
    const store = memoryStore();
    const a = createRateLimiter(() => now);
    const b = createRateLimiter(() => now);
    const syncA = createBudgetSync(a, store, () => now);
    const syncB = createBudgetSync(b, store, () => now);
    a.take(keys);
    b.take(keys);
    await syncA.sync();
    await syncB.sync();
    now += 100; // next window
    for (let i = 0; i < 5; i++) a.take(keys);
    await syncA.sync();
    await syncB.sync();
    let allowedOnB = 0;
    while (b.take(keys).allowed) allowedOnB++;
    // B: 9 left + 0.1 s refill, minus A's 5 → 4.
    expect(allowedOnB).toBe(4);
  });

  it("deletes windows that have expired", async () => {
    let now = usageWindowMs * 3000;
    const store = memoryStore();
    const a = createRateLimiter(() => now);
    const syncA = createBudgetSync(a, store, () => now);
    a.take(keys);
    await syncA.sync();
    expect(store.docs.size).toBe(2);
    now += 3 * usageWindowMs;
    await syncA.sync();
    expect(store.docs.size).toBe(0);
  });
});
