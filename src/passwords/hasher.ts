// Argon2id password hashing (node-argon2, pinned at 0.44.0: the 0.45 prebuilt
// binary segfaults on these machines) behind ONE bounded queue.
//
// Why a queue: each hash/verify runs on the libuv thread pool (shared with fs,
// dns.lookup used by the MongoDB driver, zlib) and costs ~19 ms of CPU at the
// OWASP parameters (measured here: 19 ms per hash or verify, ~92 hashes/s with
// 2 in flight on the 2-core machine). On 2 cores more than ~2 in flight only adds latency and
// memory (19 MiB each), and an unbounded backlog turns a login flood into
// minutes of latency for everyone. So: at most maxConcurrent running, at most
// maxQueue waiting, and anything beyond is refused at once with 950/503 and
// Retry-After, which clients and load balancers understand.
//
// The queue is p-queue (sindresorhus, maintained): it gives the concurrency
// limit and exposes `size` (waiting) and `pending` (running); the bound is one
// check before `add`, which is exact because `add` enqueues and starts tasks
// synchronously and JavaScript runs this check and the enqueue without
// interleaving. (p-limit has no way to refuse; bottleneck has "highWater" but
// is unmaintained since 2019.)
import argon2 from "argon2";
import { randomBytes } from "node:crypto";
import PQueue from "p-queue";
import { AppError } from "../domain/errors.js";
import { parseArgon2Params } from "./argon2-params.js";
import { defaultImportedHashCaps, verifyAnyHash, type ImportedHashCaps } from "./imported-hash.js";

export interface PasswordHasherOptions {
  /** KiB of memory per hash. */
  readonly memoryCost: number;
  /** Iterations. */
  readonly timeCost: number;
  /** Lanes; 1 keeps a hash on one pool thread. */
  readonly parallelism: number;
  /** Hashes/verifies running at once (≈ cores; keep UV_THREADPOOL_SIZE above it). */
  readonly maxConcurrent: number;
  /** Calls allowed to wait; beyond this they fail at once with AVNOLOGY_AUTH_950. */
  readonly maxQueue: number;
}

/** OWASP Password Storage Cheat Sheet: Argon2id m=19 MiB, t=2, p=1. */
export const defaultHasherOptions: PasswordHasherOptions = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  maxConcurrent: 2,
  maxQueue: 64,
});

export interface PasswordHasher {
  /** Argon2id PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash */
  hash(password: string): Promise<string>;
  /**
   * Verifies against any accepted stored format (our Argon2id, or a hash
   * imported from another system: see imported-hash.ts). False for a wrong
   * password; throws for a string that is no accepted hash.
   */
  verify(phc: string, password: string): Promise<boolean>;
  /** True when the stored hash is not Argon2id v19 or any of its m/t/p is below the configured one. */
  needsRehash(phc: string): boolean;
  stats(): { running: number; queued: number };
}

/** Metrics hooks (src/observability/metrics.ts); both optional. */
export interface HasherObserver {
  /** A hash or verify finished after `seconds` of work (not counting time queued). */
  readonly worked?: (seconds: number) => void;
  /** A call was refused because the queue was full (950). */
  readonly shed?: () => void;
}

const argon2Version = 0x13; // 19, the only current Argon2 version

export function createPasswordHasher(
  options: PasswordHasherOptions = defaultHasherOptions,
  observer: HasherObserver = {},
  importedHashCaps: ImportedHashCaps = defaultImportedHashCaps,
): PasswordHasher {
  const { memoryCost, timeCost, parallelism, maxConcurrent, maxQueue } = options;
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError("maxQueue must be an integer >= 0");
  // p-queue validates concurrency (integer >= 1) itself.
  const queue = new PQueue({ concurrency: maxConcurrent });

  function run<T>(task: () => Promise<T>): Promise<T> {
    if (queue.pending >= maxConcurrent && queue.size >= maxQueue) {
      observer.shed?.();
      return Promise.reject(new AppError("AVNOLOGY_AUTH_950", { retryAfterSeconds: 1 }));
    }
    const { worked } = observer;
    if (worked === undefined) return queue.add(task);
    return queue.add(async () => {
      const started = performance.now();
      try {
        return await task();
      } finally {
        worked((performance.now() - started) / 1000);
      }
    });
  }

  return {
    hash: (password) =>
      run(() => argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism })),
    // Imported formats (bcrypt, scrypt, PBKDF2) are as costly as Argon2 and run
    // on the same pool, so they share the queue and its bound.
    verify: (phc, password) => run(() => verifyAnyHash(phc, password, importedHashCaps)),
    needsRehash(phc) {
      const params = parseArgon2Params(phc);
      if (params === undefined || params.id !== "argon2id" || params.version !== argon2Version) return true;
      return params.m < memoryCost || params.t < timeCost || params.p < parallelism;
    },
    stats: () => ({ running: queue.pending, queued: queue.size }),
  };
}

/**
 * Returns a function giving one valid PHC hash of a random secret, computed on
 * first use and then reused. Login verifies the supplied password against it
 * when the user does not exist, so "unknown user" costs the same Argon2 time as
 * "wrong password" and response timing does not reveal which accounts exist.
 * A failed first attempt (e.g. queue full) is not cached: the next call retries.
 */
export function createDecoyHash(hasher: Pick<PasswordHasher, "hash">): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= hasher.hash(randomBytes(32).toString("base64url")).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
