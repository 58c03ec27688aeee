// Idempotency records in MongoDB. One document per scoped key, `_id` being a
// hash of (tenant, caller subject, key): the unique `_id` index decides which
// of several concurrent first requests runs (insert wins, others get E11000),
// on MongoDB and FerretDB alike. Every later change is a guarded update whose
// filter names the state and lease it expects (never read-then-write), made
// exclusive on FerretDB too by a write claim on that lease (see
// write-claims.ts: FerretDB's guarded updates are not atomic), and
// expiry is read from `expires_at` rather than left to a TTL index, which
// FerretDB lacks: an expired record counts as absent and is deleted by
// deleteExpired() (called periodically) or taken over in place.
import { randomUUID } from "node:crypto";
import { Binary, type Collection, type Db } from "mongodb";
import { duplicateKeyIndex } from "./mongo.js";
import { createWriteClaims } from "./write-claims.js";

/** What a finished request left behind: its response message, or its error. */
export type StoredOutcome =
  | { readonly kind: "response"; readonly message: Uint8Array }
  | { readonly kind: "error"; readonly code: string; readonly message: string; readonly details: unknown };

interface RecordDoc {
  _id: string;
  state: "in_progress" | "done";
  method: string;
  fingerprint: string;
  /** Random id of the run holding an in-progress record. */
  lease: string;
  lease_expires_at: Date;
  expires_at: Date;
  created_at: Date;
  outcome?: { kind: "response"; message: Binary } | { kind: "error"; code: string; message: string; details: unknown };
}

/** The answer of begin(): run it (we hold the lease), or what an earlier run left. */
export type BeginResult =
  | { readonly kind: "acquired"; readonly lease: string }
  | { readonly kind: "in_progress"; readonly fingerprint: string }
  | { readonly kind: "done"; readonly fingerprint: string; readonly outcome: StoredOutcome };

export interface IdempotencyStore {
  begin(input: { id: string; method: string; fingerprint: string; now: Date }): Promise<BeginResult>;
  /** Records the outcome; false when the lease was lost (taken over after expiring). */
  complete(id: string, lease: string, outcome: StoredOutcome, now: Date): Promise<boolean>;
  /** Drops an in-progress record whose outcome is not kept (5xx, 401, 403, 429), so a retry runs again. */
  release(id: string, lease: string): Promise<void>;
  deleteExpired(now: Date): Promise<number>;
}

export interface IdempotencyStoreOptions {
  readonly retentionMs: number;
  readonly inProgressLeaseMs: number;
}

export async function createIdempotencyStore(db: Db, options: IdempotencyStoreOptions): Promise<IdempotencyStore> {
  const records: Collection<RecordDoc> = db.collection<RecordDoc>("idempotency_records");
  await records.createIndex({ expires_at: 1 }, { name: "expires_at" });
  const claims = createWriteClaims(db);
  /** Runs a transition away from lease `lease` of record `id`; only one transition per lease can run. */
  const fromLease = <T>(id: string, lease: string, write: () => Promise<T>) => claims.withClaim(`idempotency:${id}:${lease}`, 0, write);

  const fresh = (input: { method: string; fingerprint: string; now: Date }, lease: string) => ({
    state: "in_progress" as const,
    method: input.method,
    fingerprint: input.fingerprint,
    lease,
    lease_expires_at: new Date(input.now.getTime() + options.inProgressLeaseMs),
    expires_at: new Date(input.now.getTime() + options.retentionMs),
    created_at: input.now,
  });

  async function begin(input: { id: string; method: string; fingerprint: string; now: Date }): Promise<BeginResult> {
    // A few rounds at most: each lost race means another request made progress.
    for (let attempt = 0; attempt < 5; attempt++) {
      const lease = randomUUID();
      try {
        await records.insertOne({ _id: input.id, ...fresh(input, lease) });
        return { kind: "acquired", lease };
      } catch (err) {
        if (duplicateKeyIndex(err) === undefined) throw err;
      }
      const existing = await records.findOne({ _id: input.id });
      if (!existing) continue; // deleted meanwhile (expired): insert again
      const expired = existing.expires_at <= input.now;
      const abandoned = existing.state === "in_progress" && existing.lease_expires_at <= input.now;
      if (expired || abandoned) {
        // Take over: the filter names exactly the record we saw, so of several
        // instances racing for it only one matches.
        const taken = await fromLease(input.id, existing.lease, () =>
          records.updateOne(
            { _id: input.id, state: existing.state, lease: existing.lease },
            { $set: fresh(input, lease), $unset: { outcome: "" } },
          ),
        );
        if (taken.won && taken.value.matchedCount === 1) return { kind: "acquired", lease };
        continue;
      }
      if (existing.state === "in_progress") return { kind: "in_progress", fingerprint: existing.fingerprint };
      if (!existing.outcome) throw new Error(`idempotency record ${input.id} is done without an outcome`);
      return { kind: "done", fingerprint: existing.fingerprint, outcome: outcomeOf(existing.outcome) };
    }
    throw new Error("idempotency record kept changing; giving up");
  }

  return {
    begin,
    async complete(id, lease, outcome, now) {
      const stored =
        outcome.kind === "response" ? { kind: "response" as const, message: new Binary(outcome.message) } : outcome;
      const result = await fromLease(id, lease, () =>
        records.updateOne(
          { _id: id, state: "in_progress", lease },
          { $set: { state: "done", outcome: stored, expires_at: new Date(now.getTime() + options.retentionMs) } },
        ),
      );
      return result.won && result.value.matchedCount === 1;
    },
    async release(id, lease) {
      await records.deleteOne({ _id: id, state: "in_progress", lease });
    },
    async deleteExpired(now) {
      const result = await records.deleteMany({ expires_at: { $lte: now } });
      return result.deletedCount;
    },
  };
}

function outcomeOf(doc: NonNullable<RecordDoc["outcome"]>): StoredOutcome {
  if (doc.kind === "response") return { kind: "response", message: new Uint8Array(doc.message.buffer) };
  return { kind: "error", code: doc.code, message: doc.message, details: doc.details };
}
