// Write claims: what makes "write only if the document is still at version N"
// hold on every MongoDB-wire server, not only on MongoDB.
//
// On MongoDB a guarded updateOne (`{_id, version: N}`) is atomic: the filter
// is matched and the update applied under the document's lock. FerretDB 1.24
// (SQLite and PostgreSQL backends) evaluates the filter in Go after reading
// the document and then writes it back by `_id`: two concurrent guarded
// updates both see version N and both "win" (measured: 2-9 winners out of 10
// concurrent same-etag updates on SQLite, 1-10 on PostgreSQL). Its one atomic
// decision is a unique key. So a writer first inserts a claim whose `_id` names the document
// and the version it replaces; only the writer whose insert succeeds goes on
// to the guarded write, then removes its claim.
//
// Why removing the claim is safe: the claim is removed only after the write
// committed, so a late writer that read version N before and claims N after
// the removal still fails its guarded write, whose filter now reads N+1.
//
// A process that dies between claiming and removing leaves a claim behind;
// once older than the lease it is taken over (the guarded write still decides
// whether the version moved meanwhile). Cost: two extra round trips per
// conditional write.
//
// So claims are skipped on a server that identifies itself as MongoDB
// (buildInfo, see serverKind in mongo.ts), where the guarded write alone is
// atomic, and kept on FerretDB and on anything unknown (docs/storage.md).
import type { Collection, Db } from "mongodb";
import { duplicateKeyIndex, serverKind } from "./mongo.js";

interface ClaimDocument {
  _id: string;
  at: Date;
}

export type ClaimOutcome<T> = { readonly won: true; readonly value: T } | { readonly won: false };

export interface WriteClaims {
  /**
   * Runs `write` if this caller wins the claim on version `version` of
   * `key`; `{won: false}` when another writer holds it (the version is being
   * replaced right now, so this writer's version is stale).
   */
  withClaim<T>(key: string, version: number, write: () => Promise<T>): Promise<ClaimOutcome<T>>;
}

export interface WriteClaimsOptions {
  /** Age after which a claim is considered abandoned by a dead process. */
  readonly leaseMs?: number;
  readonly now?: () => Date;
  /** Claim even on MongoDB (tests of the claims themselves). */
  readonly alwaysClaim?: boolean;
}

export function createWriteClaims(db: Db, options: WriteClaimsOptions = {}): WriteClaims {
  const claims: Collection<ClaimDocument> = db.collection<ClaimDocument>("write_claims");
  const leaseMs = options.leaseMs ?? 30_000;
  const now = options.now ?? (() => new Date());

  async function claim(id: string): Promise<boolean> {
    try {
      await claims.insertOne({ _id: id, at: now() });
      return true;
    } catch (err) {
      if (duplicateKeyIndex(err) === undefined) throw err;
      return false;
    }
  }

  /** Removes an abandoned claim (older than the lease); true when there is no live claim left. */
  async function clearAbandoned(id: string): Promise<boolean> {
    const existing = await claims.findOne({ _id: id });
    if (existing === null) return true;
    if (now().getTime() - existing.at.getTime() < leaseMs) return false;
    await claims.deleteOne({ _id: id, at: existing.at });
    return true;
  }

  return {
    async withClaim(key, version, write) {
      if (options.alwaysClaim !== true && (await serverKind(db)) === "mongodb") return { won: true, value: await write() };
      const id = `${key}@${version}`;
      if (!(await claim(id)) && !((await clearAbandoned(id)) && (await claim(id)))) return { won: false };
      try {
        return { won: true, value: await write() };
      } finally {
        await claims.deleteOne({ _id: id });
      }
    },
  };
}
