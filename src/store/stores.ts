// Every store of the service, usable before the database is reachable.
//
// Creating a store creates its indexes, which needs the database. So that the
// service can start (listen, answer probes) while the database is still down,
// the stores are created by a background start-up that retries until it
// succeeds, and the app is handed guarded stores instead: each method answers
// 503 AVNOLOGY_AUTH_951 while its store does not exist yet, and turns the
// driver's "server unreachable" errors into that same 951 afterwards, so no
// code above the store ever sees a raw connection error (which would render
// as 500 AVNOLOGY_AUTH_999).
import type { Db } from "mongodb";
import { AppError } from "../domain/errors.js";
import { createApiKeyStore, type ApiKeyStore } from "./api-key-store.js";
import { createIdempotencyStore, type IdempotencyStore, type IdempotencyStoreOptions } from "./idempotency-store.js";
import { createIdentityStore, type IdentityStore } from "./identity-store.js";
import { isDatabaseUnavailable } from "./mongo.js";
import { createOrganizationStore, type OrganizationStore } from "./organization-store.js";
import { createRateLimitStore, type RateLimitStore } from "./rate-limit-store.js";
import { createTenantStore, type TenantStore } from "./tenant-store.js";
import type { Stores } from "./interfaces.js";

export type { Stores } from "./interfaces.js";

/** Called after every store operation: `operation` is `store.method` (e.g. `identities.insert`). */
export type StoreObserver = (operation: string, seconds: number, error: "unavailable" | "other" | undefined) => void;

export interface StoresOptions {
  readonly idempotency: IdempotencyStoreOptions;
  /** Seconds a 951 tells the client to wait (Retry-After / RetryInfo). */
  readonly retryAfterSeconds?: number;
  readonly observe?: StoreObserver;
  /**
   * Milliseconds left before the current request's deadline (undefined: no
   * deadline). An operation still waiting then answers 951 at once; it is
   * not cancelled, only no longer waited for.
   */
  readonly remainingMs?: () => number | undefined;
  /** Each failed start-up attempt (the database is not reachable yet). */
  readonly onStartupError?: (err: unknown, attempt: number) => void;
}

export interface StartingStores {
  readonly stores: Stores;
  /** Resolves once every store (and its indexes) exists; never rejects. */
  readonly started: Promise<void>;
  isStarted(): boolean;
  /** Stops retrying the start-up (shutdown). */
  stop(): void;
}

export function startStores(database: { readonly db: Db; connect(): Promise<void> }, options: StoresOptions): StartingStores {
  const { db } = database;
  let created: Stores | undefined;
  let stopped = false;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;

  const started = (async () => {
    // Created one after another: FerretDB (SQLite backend) drops connections
    // when several index builds on a new database overlap. Each attempt
    // restarts the ones that did not finish; createIndex is idempotent.
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await database.connect();
        created = {
          identities: await createIdentityStore(db),
          organizations: await createOrganizationStore(db),
          apiKeys: await createApiKeyStore(db),
          tenants: await createTenantStore(db),
          idempotency: await createIdempotencyStore(db, options.idempotency),
          rateLimits: await createRateLimitStore(db),
        };
        return;
      } catch (err) {
        options.onStartupError?.(err, attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)).unref());
      }
    }
  })();

  const guard = <K extends keyof Stores>(name: K): Stores[K] =>
    guardedStore(name, () => created?.[name], retryAfterSeconds, options.observe, options.remainingMs);

  return {
    stores: {
      identities: guard("identities"),
      organizations: guard("organizations"),
      apiKeys: guard("apiKeys"),
      tenants: guard("tenants"),
      idempotency: guard("idempotency"),
      rateLimits: guard("rateLimits"),
    },
    started,
    isStarted: () => created !== undefined,
    stop: () => void (stopped = true),
  };
}

/** The 503 every caller gets while the database cannot be reached. */
export function databaseUnavailable(retryAfterSeconds: number, cause?: unknown): AppError {
  return new AppError("AVNOLOGY_AUTH_951", { retryAfterSeconds }, undefined, cause === undefined ? undefined : { cause });
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** `operation`, or 951 once `remainingMs` have passed. */
export function withinDeadline<T>(operation: Promise<T>, remainingMs: number | undefined, retryAfterSeconds: number): Promise<T> {
  if (remainingMs === undefined) return operation;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(databaseUnavailable(retryAfterSeconds, new Error("caller deadline passed"))), remainingMs);
  });
  operation.catch(() => undefined); // a late failure after the deadline is nobody's to handle
  return Promise.race([operation, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A stand-in for the store `current()` returns, with every method async (all
 * store methods are). A Proxy rather than a hand-written wrapper per store,
 * so a method added to a store is guarded without anyone remembering to.
 */
function guardedStore<T extends object>(
  name: string,
  current: () => T | undefined,
  retryAfterSeconds: number,
  observe: StoreObserver | undefined,
  remainingMs: (() => number | undefined) | undefined,
): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Not a thenable, not a symbol-keyed protocol: only string method names.
      if (typeof property !== "string" || property === "then") return undefined;
      return async (...args: unknown[]) => {
        const store = current();
        if (store === undefined) throw databaseUnavailable(retryAfterSeconds);
        const started = performance.now();
        const done = (error: "unavailable" | "other" | undefined) =>
          observe?.(`${name}.${property}`, (performance.now() - started) / 1000, error);
        try {
          const operation = (store as Record<string, AnyMethod>)[property]!(...args);
          const result = await withinDeadline(operation, remainingMs?.(), retryAfterSeconds);
          done(undefined);
          return result;
        } catch (err) {
          const unavailable = isDatabaseUnavailable(err);
          done(unavailable ? "unavailable" : err instanceof AppError ? undefined : "other");
          if (unavailable) throw databaseUnavailable(retryAfterSeconds, err);
          throw err;
        }
      };
    },
  });
}
