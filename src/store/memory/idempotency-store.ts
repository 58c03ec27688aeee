// Idempotency records in memory: the IdempotencyStore contract
// (test/contract/idempotency-store-contract.ts) without a database. Same
// rules as the MongoDB store: a record counts as absent once `expires_at`
// has passed, an in-progress record whose lease has expired may be taken
// over (with a new lease) by a retry of the same request, which gets back the
// id the abandoned run planned to create; only the holder of the current
// lease may renew, plan, complete or release it. Each method decides and writes without an `await`
// in between, so of concurrent callers exactly one acquires.
import { randomUUID } from "node:crypto";
import type { BeginResult, IdempotencyStore, IdempotencyStoreOptions, StoredOutcome } from "../interfaces.js";

interface IdempotencyRecord {
  state: "in_progress" | "done";
  fingerprint: string;
  lease: string;
  leaseExpiresAt: number;
  expiresAt: number;
  plannedId?: string;
  outcome?: StoredOutcome;
}

export function createMemoryIdempotencyStore(options: IdempotencyStoreOptions): IdempotencyStore {
  const records = new Map<string, IdempotencyRecord>();
  const held = (id: string, lease: string) => {
    const record = records.get(id);
    return record && record.state === "in_progress" && record.lease === lease ? record : undefined;
  };

  return {
    async begin({ id, fingerprint, now }): Promise<BeginResult> {
      const t = now.getTime();
      const existing = records.get(id);
      const expired = existing !== undefined && existing.expiresAt <= t;
      const abandoned = existing !== undefined && existing.state === "in_progress" && existing.leaseExpiresAt <= t;
      // An abandoned run of another request under this key may have created something: never run afresh.
      if (abandoned && !expired && existing.fingerprint !== fingerprint) return { kind: "in_progress", fingerprint: existing.fingerprint };
      if (existing === undefined || expired || abandoned) {
        const lease = randomUUID();
        const plannedId = expired ? undefined : existing?.plannedId;
        records.set(id, {
          state: "in_progress",
          fingerprint,
          lease,
          leaseExpiresAt: t + options.inProgressLeaseMs,
          expiresAt: t + options.retentionMs,
          ...(plannedId === undefined ? {} : { plannedId }),
        });
        return { kind: "acquired", lease, ...(plannedId === undefined ? {} : { plannedId }) };
      }
      if (existing.state === "in_progress") return { kind: "in_progress", fingerprint: existing.fingerprint };
      if (!existing.outcome) throw new Error(`idempotency record ${id} is done without an outcome`);
      return { kind: "done", fingerprint: existing.fingerprint, outcome: copyOutcome(existing.outcome) };
    },

    async renew(id, lease, now) {
      const record = held(id, lease);
      if (record) record.leaseExpiresAt = now.getTime() + options.inProgressLeaseMs;
      return record !== undefined;
    },

    async plan(id, lease, plannedId) {
      const record = held(id, lease);
      if (record) record.plannedId = plannedId;
      return record !== undefined;
    },

    async complete(id, lease, outcome, now) {
      const record = held(id, lease);
      if (!record) return false;
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
  if (outcome.kind === "error") return structuredClone(outcome);
  return { kind: "response", message: new Uint8Array(outcome.message), ...(outcome.headers ? { headers: { ...outcome.headers } } : {}) };
}
