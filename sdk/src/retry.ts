// Retries of one logical call, as the Auth0, WorkOS and Clerk SDKs do: on
// 429 (rate limited), 503 (overloaded, database unavailable), a network
// failure, and 409 AVNOLOGY_AUTH_031 (the same idempotency key still in
// flight). The caller builds the request once, so every attempt carries the
// same idempotency key and a retry can never create twice. The wait honours
// the service's RetryInfo / Retry-After, else exponential backoff with full
// jitter; the call's timeout and AbortSignal bound the whole sequence.
import { Code } from "@connectrpc/connect";
import { AvnologyError, toAvnologyError } from "./errors.js";

export interface RetryPolicy {
  /** Further attempts after the first (0 = never retry). */
  readonly maxRetries: number;
  /** First backoff ceiling; doubles per attempt up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({ maxRetries: 3, baseDelayMs: 250, maxDelayMs: 8_000 });

/** Per-call options of every SDK method. */
export interface CallOptions {
  /** Aborts the call (and its retries): the call rejects with AVNOLOGY_SDK_ABORTED. */
  readonly signal?: AbortSignal;
  /** Bound on the whole call, retries and waits included: then AVNOLOGY_SDK_TIMEOUT. */
  readonly timeoutMs?: number;
  /** Overrides the client's retry policy for this call. */
  readonly retry?: Partial<RetryPolicy>;
}

/** Whether a failure is worth another attempt of the same request. */
export function isRetryable(error: AvnologyError): boolean {
  if (error.code === "AVNOLOGY_SDK_NETWORK") return true;
  if (error.code === "AVNOLOGY_AUTH_031") return true; // in flight: the first attempt is still running
  if (error.code === "AVNOLOGY_AUTH_022") return false; // bad credentials: waiting does not fix them
  return error.status === 429 || error.status === 503;
}

export interface RetryDeps {
  readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
}

export const realRetryDeps: RetryDeps = {
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
  random: Math.random,
  now: () => Date.now(),
};

/** What one attempt is given: the signal to pass on, and the time left for the service's deadline. */
export interface Attempt {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
}

export async function withRetries<T>(
  attempt: (a: Attempt) => Promise<T>,
  options: CallOptions,
  policy: RetryPolicy,
  deps: RetryDeps = realRetryDeps,
): Promise<T> {
  const effective = { ...policy, ...options.retry };
  const deadline = options.timeoutMs === undefined ? undefined : deps.now() + options.timeoutMs;
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  const stopped = () => stopError(options.signal, timeout);

  for (let n = 0; ; n++) {
    if (signal?.aborted) throw stopped();
    try {
      const timeoutMs = deadline === undefined ? undefined : Math.max(1, deadline - deps.now());
      return await attempt({ signal, timeoutMs });
    } catch (err) {
      const error = signal?.aborted ? stopped() : toAvnologyError(err);
      if (n >= effective.maxRetries || !isRetryable(error)) throw error;
      const backoff = deps.random() * Math.min(effective.maxDelayMs, effective.baseDelayMs * 2 ** n);
      const wait = error.retryAfter !== undefined ? error.retryAfter * 1000 : backoff;
      // A wait that outlasts the deadline cannot end in an answer: say so now.
      if (deadline !== undefined && deps.now() + wait >= deadline) throw error;
      await deps.sleep(wait, signal).catch(() => {
        throw stopped();
      });
    }
  }
}

function stopError(user: AbortSignal | undefined, timeout: AbortSignal | undefined): AvnologyError {
  const timedOut = timeout?.aborted === true && user?.aborted !== true;
  const code = timedOut ? "AVNOLOGY_SDK_TIMEOUT" : "AVNOLOGY_SDK_ABORTED";
  const message = timedOut ? "the call's timeout passed" : "the call was aborted";
  return new AvnologyError(code, 0, message, undefined, [], timedOut ? Code.DeadlineExceeded : Code.Canceled, undefined);
}
