// Shared rate-limit usage in memory: the RateLimitStore contract
// (test/contract/rate-limit-store-contract.ts) without a database. A window's
// expiry is set by its first increment and kept by later ones, as the
// MongoDB store's `$setOnInsert` does.
import type { RateLimitStore } from "../interfaces.js";

export function createMemoryRateLimitStore(): RateLimitStore {
  const usage = new Map<string, { n: number; expiresAt: number }>();
  return {
    async add(increments) {
      for (const { id, count, expiresAt } of increments) {
        const existing = usage.get(id);
        if (existing) existing.n += count;
        else usage.set(id, { n: count, expiresAt: expiresAt.getTime() });
      }
    },
    async totals(ids) {
      const found = new Map<string, number>();
      for (const id of ids) {
        const entry = usage.get(id);
        if (entry) found.set(id, entry.n);
      }
      return found;
    },
    async deleteExpired(now) {
      let deleted = 0;
      for (const [id, entry] of usage) {
        if (entry.expiresAt <= now.getTime()) {
          usage.delete(id);
          deleted++;
        }
      }
      return deleted;
    },
  };
}
