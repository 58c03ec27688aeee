// Idempotency records in memory: the IdempotencyStore contract
// (test/contract/idempotency-store-contract.ts) without a database. Same
// rules as the MongoDB store: a record counts as absent once `expires_at`
// has passed, an in-progress record whose lease has expired may be taken
// over (with a new lease), and only the holder of the current lease may
// complete or release it. Each method decides and writes without an `await`
// in between, so of concurrent callers exactly one acquires.
import { randomUUID } from "node:crypto";
import type { BeginResult, IdempotencyStore, IdempotencyStoreOptions, StoredOutcome } from "../interfaces.js";

interface IdempotencyRecord {
  state: "in_progress" | "done";
  fingerprint: string;
  lease: string;
  leaseExpiresAt: number;
  expiresAt: number;
  outcome?: StoredOutcome;
}

export function createMemoryIdempotencyStore(options: IdempotencyStoreOptions): IdempotencyStore {
  const records = new Map<string, IdempotencyRecord>();

  return {
    async begin({ id, fingerprint, now }): Promise<BeginResult> {
      const t = now.getTime();
      const existing = records.get(id);
      const expired = existing !== undefined && existing.expiresAt <= t;
      const abandoned = existing !== undefined && existing.state === "in_progress" && existing.leaseExpiresAt <= t;
      if (existing === undefined || expired || abandoned) {
        const lease = randomUUID();
        records.set(id, {
          state: "in_progress",
          fingerprint,
          lease,
          leaseExpiresAt: t + options.inProgressLeaseMs,
          expiresAt: t + options.retentionMs,
        });
        return { kind: "acquired", lease };
      }
      if (existing.state === "in_progress") return { kind: "in_progress", fingerprint: existing.fingerprint };
      if (!existing.outcome) throw new Error(`idempotency record ${id} is done without an outcome`);
      return { kind: "done", fingerprint: existing.fingerprint, outcome: copyOutcome(existing.outcome) };
    },

    async complete(id, lease, outcome, now) {
      const record = records.get(id);
      if (!record || record.state !== "in_progress" || record.lease !== lease) return false;
      records.set(id, { ...record, state: "done", outcome: copyOutcome(outcome), expiresAt: now.getTime() + options.retentionMs });
      return true;
    },

    async release(id, lease) {
      const record = records.get(id);
      if (record && record.state === "in_progress" && record.lease === lease) records.delete(id);
    },

    async deleteExpired(now) {
      let deleted = 0;
      for (const [id, record] of records) {
        if (record.expiresAt <= now.getTime()) {
          records.delete(id);
          deleted++;
        }
      }
      return deleted;
    },
  };
}

function copyOutcome(outcome: StoredOutcome): StoredOutcome {
  return outcome.kind === "response" ? { kind: "response", message: new Uint8Array(outcome.message) } : structuredClone(outcome);
}
