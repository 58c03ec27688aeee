// The SDK's retry rules, with a fake clock: which failures are retried, how
// long it waits (the service's hint first, else jittered backoff), and that
// the timeout and AbortSignal bound the whole call.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { catalogue } from "../../../src/domain/errors.js";
import { errorCatalogue } from "../../../sdk/src/error-statuses.js";
import { AvnologyError } from "../../../sdk/src/errors.js";
import { defaultRetryPolicy, isRetryable, withRetries, type RetryDeps } from "../../../sdk/src/retry.js";

const error = (code: string, status: number, retryAfter?: number) => new AvnologyError(code, status, code, undefined, [], Code.Unknown, retryAfter);

function fakeDeps(random = 0.5) {
  let clock = 0;
  const waits: number[] = [];
  const deps: RetryDeps = {
    now: () => clock,
    random: () => random,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
  };
  return { deps, waits };
}

/** An attempt function that fails with `failures` in turn, then answers "ok". */
function failing(...failures: AvnologyError[]) {
  const calls: number[] = [];
  return {
    calls,
    attempt: async () => {
      calls.push(calls.length);
      const next = failures.shift();
      if (next) throw next;
      return "ok";
    },
  };
}

describe("isRetryable", () => {
  it.each([
    ["AVNOLOGY_AUTH_021", 429, true],
    ["AVNOLOGY_AUTH_950", 503, true],
    ["AVNOLOGY_AUTH_031", 409, true],
    ["AVNOLOGY_SDK_NETWORK", 0, true],
    ["AVNOLOGY_AUTH_022", 429, false],
    ["AVNOLOGY_AUTH_014", 409, false],
    ["AVNOLOGY_AUTH_902", 400, false],
    ["AVNOLOGY_AUTH_001", 401, false],
    ["AVNOLOGY_AUTH_999", 500, false],
    ["AVNOLOGY_SDK_TIMEOUT", 0, false],
  ] as const)("%s (%i): %s", (code, status, retried) => {
    expect(isRetryable(error(code, status))).toBe(retried);
  });
});

describe("withRetries", () => {
  it("retries the same attempt until it succeeds, waiting what the service asked", async () => {
    const { deps, waits } = fakeDeps();
    const { calls, attempt } = failing(error("AVNOLOGY_AUTH_021", 429, 2), error("AVNOLOGY_AUTH_031", 409, 1));
    expect(await withRetries(attempt, {}, defaultRetryPolicy, deps)).toBe("ok");
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([2000, 1000]);
  });

  it("backs off exponentially with full jitter when the service gives no hint", async () => {
    const { deps, waits } = fakeDeps(0.5);
    const { attempt } = failing(error("AVNOLOGY_SDK_NETWORK", 0), error("AVNOLOGY_SDK_NETWORK", 0), error("AVNOLOGY_SDK_NETWORK", 0));
    await withRetries(attempt, {}, { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 300 }, deps);
    expect(waits).toEqual([50, 100, 150]); // 0.5 × min(300, 100·2^n)
  });

  it("gives up after maxRetries with the last error, and at once on an error that is not retryable", async () => {
    const { deps } = fakeDeps();
    const many = failing(...Array.from({ length: 5 }, () => error("AVNOLOGY_AUTH_950", 503)));
    await expect(withRetries(many.attempt, { retry: { maxRetries: 2 } }, defaultRetryPolicy, deps)).rejects.toMatchObject({ code: "AVNOLOGY_AUTH_950" });
    expect(many.calls).toHaveLength(3);
    const conflict = failing(error("AVNOLOGY_AUTH_014", 409));
    await expect(withRetries(conflict.attempt, {}, defaultRetryPolicy, deps)).rejects.toMatchObject({ code: "AVNOLOGY_AUTH_014" });
    expect(conflict.calls).toHaveLength(1);
  });

  it("does not wait past the call's timeout: the error comes at once", async () => {
    const { deps, waits } = fakeDeps();
    const { calls, attempt } = failing(error("AVNOLOGY_AUTH_021", 429, 30));
    await expect(withRetries(attempt, { timeoutMs: 5_000 }, defaultRetryPolicy, deps)).rejects.toMatchObject({ code: "AVNOLOGY_AUTH_021", retryAfter: 30 });
    expect(calls).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("answers AVNOLOGY_SDK_ABORTED when the signal fires, without another attempt", async () => {
    const controller = new AbortController();
    controller.abort();
    const { calls, attempt } = failing();
    await expect(withRetries(attempt, { signal: controller.signal }, defaultRetryPolicy, fakeDeps().deps)).rejects.toMatchObject({ code: "AVNOLOGY_SDK_ABORTED", status: 0 });
    expect(calls).toHaveLength(0);
  });

  it("gives each attempt the signal and the time left", async () => {
    const { deps } = fakeDeps();
    const seen: Array<number | undefined> = [];
    await withRetries(async ({ timeoutMs, signal }) => {
      seen.push(timeoutMs);
      expect(signal).toBeInstanceOf(AbortSignal);
      if (seen.length === 1) throw error("AVNOLOGY_AUTH_950", 503, 1);
      return "ok";
    }, { timeoutMs: 10_000 }, defaultRetryPolicy, deps);
    expect(seen).toEqual([10_000, 9_000]);
  });
});

describe("the SDK's copy of the error catalogue", () => {
  it("has every code of the service with its HTTP status and message (npm run generate keeps it so)", () => {
    const fromService = Object.fromEntries(Object.entries(catalogue).map(([code, e]) => [code, { status: e.http, message: e.message }]));
    expect(errorCatalogue).toEqual(fromService);
  });
});
