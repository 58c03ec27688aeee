// What every RateLimitStore promises (src/store/rate-limit-store.ts): the
// tokens all instances took in a window add up, a window's expiry is the one
// its first increment named, and deleteExpired() removes exactly the expired.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { RateLimitStore } from "../../src/store/interfaces.js";

const t0 = new Date("2026-07-01T00:00:00.000Z");
const at = (ms: number, from = t0) => new Date(from.getTime() + ms);

export interface RateLimitContractOptions {
  /**
   * False only for a server known to lose concurrent `$inc`s: FerretDB 1.24
   * reads then writes, so of 10 concurrent increments of one window several
   * are lost (measured: 6 of 20 tokens counted). MongoDB's `$inc` is atomic.
   */
  readonly concurrentAddsAtomic?: boolean;
}

export function describeRateLimitStore(
  implementation: string,
  make: () => Promise<RateLimitStore>,
  options: RateLimitContractOptions = {},
): void {
  describe(`RateLimitStore contract: ${implementation}`, () => {
    let store: RateLimitStore;
    beforeAll(async () => {
      store = await make();
    });

    it("adds up increments per window and answers totals only for windows it has", async () => {
      const [a, b, unknown] = [randomUUID(), randomUUID(), randomUUID()];
      await store.add([{ id: a, count: 3, expiresAt: at(1000) }, { id: b, count: 1, expiresAt: at(1000) }]);
      await store.add([{ id: a, count: 4, expiresAt: at(1000) }]);
      expect(await store.totals([a, b, unknown])).toEqual(new Map([[a, 7], [b, 1]]));
      expect(await store.totals([])).toEqual(new Map());
    });

    it.skipIf(options.concurrentAddsAtomic === false)("loses no increment of concurrent instances", async () => {
      const id = randomUUID();
      await Promise.all(Array.from({ length: 10 }, () => store.add([{ id, count: 2, expiresAt: at(1000) }])));
      expect((await store.totals([id])).get(id)).toBe(20);
    });

    it("keeps the expiry of the first increment and deletes exactly the expired windows", async () => {
      // An era of its own, before every other test's windows.
      const era = new Date("2001-01-01T00:00:00.000Z");
      const [first, later] = [randomUUID(), randomUUID()];
      await store.add([{ id: first, count: 1, expiresAt: at(1000, era) }]);
      await store.add([{ id: first, count: 1, expiresAt: at(5000, era) }]);
      await store.add([{ id: later, count: 1, expiresAt: at(5000, era) }]);
      expect(await store.deleteExpired(at(999, era))).toBe(0);
      expect(await store.deleteExpired(at(1000, era))).toBe(1);
      expect(await store.totals([first, later])).toEqual(new Map([[later, 1]]));
      expect(await store.deleteExpired(at(5000, era))).toBe(1);
    });
  });
}
