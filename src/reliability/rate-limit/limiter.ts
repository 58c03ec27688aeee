// The in-process rate limiter: one token bucket per (policy, key), decided in
// memory on the hot path. A call passes only if every bucket it draws from
// has a token, and then takes one from each. What it took is handed to the
// background sync (sync.ts), which charges back what other instances took.
import type { BucketConfig } from "../../config/config.js";
import { charge, fullBucket, refill, secondsUntil, type Bucket } from "./token-bucket.js";

export interface LimitKey {
  /** Policy name, as sent in RateLimit-Policy (`credential`, `tenant`, `password`). */
  readonly policy: string;
  readonly key: string;
  readonly config: BucketConfig;
}

export interface PolicyStatus {
  readonly policy: string;
  readonly config: BucketConfig;
  /** Whole tokens left after this call (0 when refused). */
  readonly remaining: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
  /** Seconds until one token is available (0 when one is). */
  readonly retryAfterSeconds: number;
}

export type Decision =
  | { readonly allowed: true; readonly statuses: readonly PolicyStatus[] }
  | { readonly allowed: false; readonly statuses: readonly PolicyStatus[]; readonly retryAfterSeconds: number };

interface Entry extends Bucket {
  readonly config: BucketConfig;
  /** Tokens taken here and not yet reported to the other instances. */
  unsynced: number;
}

export interface RateLimiter {
  take(keys: readonly LimitKey[]): Decision;
  /** Hands over (and resets) the per-key counts taken since the last call. */
  drainUnsynced(): Map<string, number>;
  /** Charges tokens that other instances took for a key. */
  chargeRemote(key: string, count: number): void;
  /** Keys currently tracked (their buckets are not full, or were used recently). */
  keys(): string[];
  /** Forgets buckets that are full and have nothing to report: memory stays bounded. */
  evictIdle(): void;
}

export function createRateLimiter(nowMs: () => number = Date.now): RateLimiter {
  const entries = new Map<string, Entry>();

  function entryOf(limit: LimitKey, now: number): Entry {
    let entry = entries.get(limit.key);
    if (!entry) {
      entry = { ...fullBucket(limit.config, now), config: limit.config, unsynced: 0 };
      entries.set(limit.key, entry);
    }
    refill(entry, entry.config, now);
    return entry;
  }

  return {
    take(keys) {
      const now = nowMs();
      const active = keys.filter((k) => k.config.ratePerSecond > 0);
      const buckets = active.map((k) => entryOf(k, now));
      const allowed = buckets.every((b) => b.tokens >= 1);
      if (allowed) {
        for (const b of buckets) {
          b.tokens -= 1;
          b.unsynced += 1;
        }
      }
      const statuses = active.map((k, i) => statusOf(k, buckets[i]!));
      if (allowed) return { allowed, statuses };
      const retryAfterSeconds = Math.max(...statuses.map((s) => s.retryAfterSeconds));
      return { allowed, statuses, retryAfterSeconds };
    },
    drainUnsynced() {
      const out = new Map<string, number>();
      for (const [key, entry] of entries) {
        if (entry.unsynced > 0) out.set(key, entry.unsynced);
        entry.unsynced = 0;
      }
      return out;
    },
    chargeRemote(key, count) {
      const entry = entries.get(key);
      if (!entry || count <= 0) return;
      refill(entry, entry.config, nowMs());
      charge(entry, entry.config, count);
    },
    keys: () => [...entries.keys()],
    evictIdle() {
      const now = nowMs();
      for (const [key, entry] of entries) {
        refill(entry, entry.config, now);
        if (entry.unsynced === 0 && entry.tokens >= entry.config.burst) entries.delete(key);
      }
    },
  };
}

function statusOf(limit: LimitKey, bucket: Bucket): PolicyStatus {
  const { config } = limit;
  return {
    policy: limit.policy,
    config,
    remaining: Math.max(0, Math.floor(bucket.tokens)),
    resetSeconds: Math.ceil(secondsUntil(bucket, config, config.burst)),
    retryAfterSeconds: Math.ceil(secondsUntil(bucket, config, 1)),
  };
}
