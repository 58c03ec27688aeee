// Shared rate-limit consumption in MongoDB: one document per (bucket key,
// time window) holding how many tokens all instances took in that window.
// Instances add with `$inc` upserts (the unique `_id` decides concurrent
// first inserts; the loser of an E11000 race retries as a plain `$inc`), so
// no atomic findAndModify is needed, and read totals back by `_id`. Old
// windows carry `expires_at` and are deleted by deleteExpired(): no TTL index.
import type { Collection, Db } from "mongodb";
import { duplicateKeyIndex } from "./mongo.js";

interface UsageDoc {
  _id: string;
  n: number;
  expires_at: Date;
}

export interface UsageIncrement {
  readonly id: string;
  readonly count: number;
  readonly expiresAt: Date;
}

export interface RateLimitStore {
  add(increments: readonly UsageIncrement[]): Promise<void>;
  totals(ids: readonly string[]): Promise<Map<string, number>>;
  deleteExpired(now: Date): Promise<number>;
}

export async function createRateLimitStore(db: Db): Promise<RateLimitStore> {
  const usage: Collection<UsageDoc> = db.collection<UsageDoc>("rate_limit_usage");
  await usage.createIndex({ expires_at: 1 }, { name: "expires_at" });

  async function addOne({ id, count, expiresAt }: UsageIncrement): Promise<void> {
    const update = { $inc: { n: count }, $setOnInsert: { expires_at: expiresAt } };
    try {
      await usage.updateOne({ _id: id }, update, { upsert: true });
    } catch (err) {
      if (duplicateKeyIndex(err) === undefined) throw err;
      await usage.updateOne({ _id: id }, { $inc: { n: count } });
    }
  }

  return {
    async add(increments) {
      await Promise.all(increments.map(addOne));
    },
    async totals(ids) {
      if (ids.length === 0) return new Map();
      const docs = await usage.find({ _id: { $in: [...ids] } }).toArray();
      return new Map(docs.map((d) => [d._id, d.n]));
    },
    async deleteExpired(now) {
      return (await usage.deleteMany({ expires_at: { $lte: now } })).deletedCount;
    },
  };
}
