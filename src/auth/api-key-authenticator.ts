// API key secret → Caller, through a short-lived in-process cache so that a
// request authenticated with a recently seen key costs no database round
// trip. The price is the revocation bound: a key revoked (or changed) by
// another instance keeps working here for at most `cacheTtlMs` (default 5 s,
// API_KEY_CACHE_TTL_MS). A revocation made through this instance evicts the
// key at once. Expiry needs no database: it is checked on every request
// against the cached expires_at.
//
// Why not lru-cache: what is needed is a TTL map with a size cap and an
// injectable clock (for the tests of the revocation bound and of last_used_at);
// an insertion-ordered Map is that, in fewer lines than the adapter.
import type { ApiKey } from "../domain/api-key.js";
import { isKeyUsable } from "../domain/api-key.js";
import { hashApiKeySecret } from "./api-key-secret.js";
import type { Caller } from "./caller.js";

/** What authentication needs from the key store. */
export interface ApiKeyLookup {
  findByDigest(secretDigest: string): Promise<ApiKey | null>;
  touchLastUsed(id: string, now: Date, minIntervalMs: number): Promise<boolean>;
}

export interface ApiKeyAuthenticatorOptions {
  readonly keys: ApiKeyLookup;
  readonly pepper: string;
  /** How long a key read from the store is trusted; 0 = always read. */
  readonly cacheTtlMs: number;
  /** Keys cached at most; the oldest entry is dropped past it. Default 10_000. */
  readonly maxCachedKeys?: number;
  readonly now?: () => Date;
  /** Each lookup: answered from the cache (true) or the store (false); for metrics. */
  readonly onCacheLookup?: (hit: boolean) => void;
  /**
   * Asked when a shared store read fails: true (the database answers again)
   * lets the requests that joined it retry once on a fresh read instead of
   * all failing with an error from before the database came back.
   */
  readonly retryJoinedLookup?: () => boolean;
  /**
   * Bounds a joiner's wait on another request's read by the joiner's own
   * deadline (the read itself is bounded by its starter's).
   */
  readonly boundWait?: <T>(wait: Promise<T>) => Promise<T>;
  /** Failures of the background last_used_at write (logged, never fatal). */
  readonly onTouchError?: (err: unknown) => void;
}

export type ApiKeyAuthResult =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly reason: "unknown" | "revoked_or_expired" };

export interface ApiKeyAuthenticator {
  authenticate(secret: string): Promise<ApiKeyAuthResult>;
  /** Drops a key from this instance's cache (after a revocation here). */
  evict(keyId: string): void;
}

/** last_used_at is written at most once per this interval. */
export const lastUsedIntervalMs = 60_000;

interface Entry {
  readonly key: ApiKey;
  readonly caller: Caller;
  readonly fetchedAt: number;
  /** Last time this instance wrote (or read) last_used_at, in ms. */
  lastUsedAt: number | null;
}

export function createApiKeyAuthenticator(options: ApiKeyAuthenticatorOptions): ApiKeyAuthenticator {
  const { keys, pepper, cacheTtlMs } = options;
  const now = options.now ?? (() => new Date());
  const cap = options.maxCachedKeys ?? 10_000;
  const cache = new Map<string, Entry>();
  // Concurrent requests with the same uncached key share one store read, so
  // a burst after the cache time ends costs one round trip, not one per request.
  const inflight = new Map<string, Promise<ApiKey | null>>();

  function findOnce(digest: string): Promise<ApiKey | null> {
    const joined = inflight.get(digest);
    if (joined !== undefined) {
      // Only joiners retry, and only once the database is back: the request
      // that started the read gets its answer as is, and during an outage
      // nobody waits twice (the outage answer stays within its bound).
      const retried = joined.catch((err: unknown) => {
        if (options.retryJoinedLookup?.() !== true) throw err;
        return inflight.get(digest) ?? start(digest); // the retrying joiners share one read too
      });
      return options.boundWait ? options.boundWait(retried) : retried;
    }
    return start(digest);
  }

  function start(digest: string): Promise<ApiKey | null> {
    const pending = keys.findByDigest(digest).finally(() => {
      if (inflight.get(digest) === pending) inflight.delete(digest);
    });
    inflight.set(digest, pending);
    return pending;
  }

  async function entryFor(digest: string, t: number): Promise<Entry | null> {
    const cached = cache.get(digest);
    if (cached !== undefined && t - cached.fetchedAt < cacheTtlMs) {
      options.onCacheLookup?.(true);
      return cached;
    }
    options.onCacheLookup?.(false);
    cache.delete(digest);
    // Unknown digests are not cached: the failed-auth throttle bounds them.
    const key = await findOnce(digest);
    if (key === null) return null;
    // The last use this instance wrote survives the reload: the background
    // write may not have landed yet, and must not be sent again.
    const lastUsedAt = Math.max(key.lastUsedAt?.getTime() ?? -Infinity, cached?.lastUsedAt ?? -Infinity);
    const entry: Entry = { key, caller: callerOf(key), fetchedAt: t, lastUsedAt: Number.isFinite(lastUsedAt) ? lastUsedAt : null };
    if (cacheTtlMs > 0) {
      if (cache.size >= cap) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      cache.set(digest, entry);
    }
    return entry;
  }

  function touch(entry: Entry, at: Date): void {
    const t = at.getTime();
    if (entry.lastUsedAt !== null && t - entry.lastUsedAt < lastUsedIntervalMs) return;
    entry.lastUsedAt = t;
    // Not awaited: bookkeeping must not add a round trip to the request. The
    // store's guarded update keeps it at once a minute across instances too.
    keys.touchLastUsed(entry.key.id, at, lastUsedIntervalMs).catch((err: unknown) => options.onTouchError?.(err));
  }

  return {
    async authenticate(secret) {
      const at = now();
      const entry = await entryFor(hashApiKeySecret(secret, pepper), at.getTime());
      if (entry === null) return { ok: false, reason: "unknown" };
      if (!isKeyUsable(entry.key, at)) return { ok: false, reason: "revoked_or_expired" };
      touch(entry, at);
      return { ok: true, caller: entry.caller };
    },
    evict(keyId) {
      for (const [digest, entry] of cache) if (entry.key.id === keyId) cache.delete(digest);
    },
  };
}

function callerOf(key: ApiKey): Caller {
  return Object.freeze({
    kind: "api_key",
    subject: key.id,
    tenantId: key.tenantId,
    scopes: new Set(key.scopes),
    ...(key.organizationId === "" ? {} : { organizationId: key.organizationId }),
  });
}
