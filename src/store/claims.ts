// Compare-and-set that holds on FerretDB too. MongoDB applies a guarded
// update (`updateOne({_id, version: n}, ...)`) atomically, but FerretDB v1
// reads and then writes: with 10 concurrent guarded updates of one document,
// more than one "won" in 19 of 20 rounds here. Its unique indexes, however,
// are enforced by the backend (the _id primary key in SQLite/PostgreSQL). So
// a state transition is first *claimed* by inserting a document whose _id
// names it (`identity:usr_…:v3`); exactly one claimant can succeed, and only
// it goes on to the guarded update. On MongoDB the claim is redundant but
// harmless (one small insert per transition).
import type { Collection, Db } from "mongodb";
import { duplicateKeyIndex } from "./mongo.js";

interface ClaimDocument {
  _id: string;
  claimed_at: Date;
}

export interface Claims {
  /** true for exactly one caller per name, ever (until released). */
  claim(name: string): Promise<boolean>;
  /** Frees names no longer needed (the transition they guard is over). */
  release(names: readonly string[]): Promise<void>;
}

export function createClaims(db: Db): Claims {
  const claims: Collection<ClaimDocument> = db.collection<ClaimDocument>("claims");
  return {
    async claim(name) {
      try {
        await claims.insertOne({ _id: name, claimed_at: new Date() });
        return true;
      } catch (err) {
        if (duplicateKeyIndex(err) !== undefined) return false;
        throw err;
      }
    },
    async release(names) {
      if (names.length > 0) await claims.deleteMany({ _id: { $in: [...names] } });
    },
  };
}
