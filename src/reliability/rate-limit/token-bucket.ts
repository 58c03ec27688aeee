// Token bucket arithmetic, pure: `ratePerSecond` tokens flow in, at most
// `burst` are kept, each call takes one. Remote consumption learnt from other
// instances is charged afterwards and may push a bucket into debt (down to
// -burst), so the long-run rate across instances stays the configured one.
import type { BucketConfig } from "../../config/config.js";

export interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  updatedAt: number;
}

export function fullBucket(config: BucketConfig, nowMs: number): Bucket {
  return { tokens: config.burst, updatedAt: nowMs };
}

/** Adds what flowed in since the last update. */
export function refill(bucket: Bucket, config: BucketConfig, nowMs: number): void {
  const elapsed = Math.max(0, nowMs - bucket.updatedAt) / 1000;
  bucket.tokens = Math.min(config.burst, bucket.tokens + elapsed * config.ratePerSecond);
  bucket.updatedAt = Math.max(bucket.updatedAt, nowMs);
}

/** Removes tokens spent elsewhere; the debt is bounded so a key is never locked out for long. */
export function charge(bucket: Bucket, config: BucketConfig, count: number): void {
  bucket.tokens = Math.max(-config.burst, bucket.tokens - count);
}

/** Seconds until `needed` tokens are available (0 when they already are). */
export function secondsUntil(bucket: Bucket, config: BucketConfig, needed: number): number {
  const missing = needed - bucket.tokens;
  return missing <= 0 ? 0 : missing / config.ratePerSecond;
}
