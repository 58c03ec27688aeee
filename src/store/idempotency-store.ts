// Idempotency records in MongoDB. One document per scoped key, `_id` being a
// hash of (tenant, caller, key): the unique `_id` index decides which of
// several concurrent first requests runs (insert wins, others get E11000), on
// MongoDB and FerretDB alike. Every later change is a guarded update whose
// filter names the state and lease it expects (never read-then-write), made
// exclusive on FerretDB too by a write claim on that lease (see
// write-claims.ts: FerretDB's guarded updates are not atomic), and expiry is
// read from `expires_at` rather than left to a TTL index, which FerretDB
// lacks: an expired record counts as absent and is deleted by deleteExpired()
// (called periodically) or taken over in place.
//
// Crashes: the run holding a record keeps its lease short and renews it
// (renew(), every lease/3 while it runs), so a record whose process died is
// taken over by a retry within about one lease. Before a create writes
// anything it records the id it will create (plan()); a retry that takes
// over an abandoned record gets that id back (`planned`), finds the resource
// if the dead run created it, or creates it under that same id: one resource
// per key, and the client learns its id.
import { randomUUID } from "node:crypto";
import { Binary, type Collection, type Db } from "mongodb";
import { duplicateKeyIndex } from "./mongo.js";
import { createWriteClaims } from "./write-claims.js";

/** What a finished request left behind: its response message (and the headers that go with it), or its error. */
export type StoredOutcome =
  | { readonly kind: "response"; readonly message: Uint8Array; readonly headers?: Readonly<Record<string, string>> }
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
  /** The id of what the run creates, recorded before it creates it. */
  planned_id?: string;
  outcome?:
    | { kind: "response"; message: Binary; headers?: Record<string, string> }
    | { kind: "error"; code: string; message: string; details: unknown };
}

/** The answer of begin(): run it (we hold the lease), or what an earlier run left. */
export type BeginResult =
  | {
      readonly kind: "acquired";
      readonly lease: string;
      /** Set when this run takes over an abandoned one that had planned to create this id. */
      readonly plannedId?: string;
    }
  | { readonly kind: "in_progress"; readonly fingerprint: string }
  | { readonly kind: "done"; readonly fingerprint: string; readonly outcome: StoredOutcome };

export interface IdempotencyStore {
  begin(input: { id: string; method: string; fingerprint: string; now: Date }): Promise<BeginResult>;
  /** Extends the lease of a run that is still going; false when the lease was lost. */
  renew(id: string, lease: string, now: Date): Promise<boolean>;
  /** Records the id the run is about to create; false when the lease was lost (then it must not create it). */
  plan(id: string, lease: string, plannedId: string): Promise<boolean>;
  /** Records the outcome; false when the lease was lost (taken over after expiring). */
  complete(id: string, lease: string, outcome: StoredOutcome, now: Date): Promise<boolean>;
  /** Drops an in-progress record whose outcome is not kept (5xx, 401, 403, 429), so a retry runs again. */
  release(id: string, lease: string): Promise<void>;
  deleteExpired(now: Date): Promise<number>;
}

export interface IdempotencyStoreOptions {
  readonly retentionMs: number;
  /** How long a run holds its record without renewing it (IDEMPOTENCY_LEASE_MS). */
  readonly inProgressLeaseMs: number;
}

export async function createIdempotencyStore(db: Db, options: IdempotencyStoreOptions): Promise<IdempotencyStore> {
  const records: Collection<RecordDoc> = db.collection<RecordDoc>("idempotency_records");
  await records.createIndex({ expires_at: 1 }, { name: "expires_at" });
  // A claim is held for one write (milliseconds); one left by a process that
  // died mid-write must not block a takeover longer than a lease does.
  const claims = createWriteClaims(db, { leaseMs: Math.max(options.inProgressLeaseMs, 1_000) });
  /**
   * Runs a transition of record `id` held under lease `lease`; only one runs at
   * a time (renew, plan, complete of the owner and a takeover by a retry all
   * claim the same name), so on FerretDB too the guarded write decides alone.
   */
  const underLease = <T>(id: string, lease: string, write: () => Promise<T>) =>
    claims.withClaim(`idempotency:${id}:${lease}`, 0, write);

  const leaseUntil = (now: Date) => new Date(now.getTime() + options.inProgressLeaseMs);
  const fresh = (input: { method: string; fingerprint: string; now: Date }, lease: string) => ({
    state: "in_progress" as const,
    method: input.method,
    fingerprint: input.fingerprint,
    lease,
    lease_expires_at: leaseUntil(input.now),
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
      // An abandoned run of another request under this key may have created
      // something: the key is used (the caller sees 030), never run afresh.
      if (abandoned && !expired && existing.fingerprint !== input.fingerprint) {
        return { kind: "in_progress", fingerprint: existing.fingerprint };
      }
      if (expired || abandoned) {
        // Take over: the filter names exactly the record we saw, so of several
        // instances racing for it only one matches. An abandoned run's plan is
        // kept (the retry finishes that run); an expired record starts afresh.
        const plannedId = expired ? undefined : existing.planned_id;
        const taken = await underLease(input.id, existing.lease, () =>
          records.updateOne(
            { _id: input.id, state: existing.state, lease: existing.lease },
            {
              $set: { ...fresh(input, lease), ...(plannedId === undefined ? {} : { planned_id: plannedId }) },
              $unset: { outcome: "", ...(plannedId === undefined ? { planned_id: "" } : {}) },
            },
          ),
        );
        // Another writer holds this lease's claim right now (its owner renewing
        // or completing, another retry taking over, or a claim left by a
        // process killed mid-write, until it ages out): in progress, retry later.
        if (!taken.won) return { kind: "in_progress", fingerprint: existing.fingerprint };
        if (taken.value.matchedCount === 1) return { kind: "acquired", lease, ...(plannedId === undefined ? {} : { plannedId }) };
        continue;
      }
      if (existing.state === "in_progress") return { kind: "in_progress", fingerprint: existing.fingerprint };
      if (!existing.outcome) throw new Error(`idempotency record ${input.id} is done without an outcome`);
      return { kind: "done", fingerprint: existing.fingerprint, outcome: outcomeOf(existing.outcome) };
    }
    throw new Error("idempotency record kept changing; giving up");
  }

  /** A guarded write on the in-progress record held under `lease`; true when it applied. */
  async function whileHeld(id: string, lease: string, update: Partial<RecordDoc>): Promise<boolean> {
    const result = await underLease(id, lease, () =>
      records.updateOne({ _id: id, state: "in_progress", lease }, { $set: update }),
    );
    return result.won && result.value.matchedCount === 1;
  }

  return {
    begin,
    renew: (id, lease, now) => whileHeld(id, lease, { lease_expires_at: leaseUntil(now) }),
    plan: (id, lease, plannedId) => whileHeld(id, lease, { planned_id: plannedId }),
    async complete(id, lease, outcome, now) {
      const stored =
        outcome.kind === "response"
          ? { kind: "response" as const, message: new Binary(outcome.message), ...(outcome.headers ? { headers: { ...outcome.headers } } : {}) }
          : outcome;
      return whileHeld(id, lease, { state: "done", outcome: stored, expires_at: new Date(now.getTime() + options.retentionMs) });
    },
    async release(id, lease) {
      await underLease(id, lease, () => records.deleteOne({ _id: id, state: "in_progress", lease }));
    },
    async deleteExpired(now) {
      const result = await records.deleteMany({ expires_at: { $lte: now } });
      return result.deletedCount;
    },
  };
}

function outcomeOf(doc: NonNullable<RecordDoc["outcome"]>): StoredOutcome {
  if (doc.kind === "response") {
    return { kind: "response", message: new Uint8Array(doc.message.buffer), ...(doc.headers ? { headers: doc.headers } : {}) };
  }
  return { kind: "error", code: doc.code, message: doc.message, details: doc.details };
}
