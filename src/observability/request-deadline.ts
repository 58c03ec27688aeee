// The caller's deadline (gRPC `grpc-timeout`, Connect `connect-timeout-ms`),
// carried through the request's async context so that the stores can cut a
// database wait short at the deadline: a call never waits on an unreachable
// database beyond what its caller allowed, even when that is shorter than
// DATABASE_TIMEOUT_MS. Read from the headers at the transport's entry, like
// the request id, because the stores are called far from any handler context.
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestDeadlines {
  /** Runs `fn` (the request's handling) with the deadline its headers carry. */
  run<T>(headers: Record<string, string | string[] | undefined>, fn: () => T): T;
  /** Milliseconds left before the current request's deadline; undefined without one. */
  remainingMs(): number | undefined;
}

const units: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

export function createRequestDeadlines(now: () => number = performance.now.bind(performance)): RequestDeadlines {
  const storage = new AsyncLocalStorage<number>();
  return {
    run(headers, fn) {
      const timeoutMs = timeoutOf(headers);
      return timeoutMs === undefined ? fn() : storage.run(now() + timeoutMs, fn);
    },
    remainingMs() {
      const deadline = storage.getStore();
      return deadline === undefined ? undefined : Math.max(0, deadline - now());
    },
  };
}

/** The timeout a request's headers ask for, in ms; undefined when none or malformed. */
export function timeoutOf(headers: Record<string, string | string[] | undefined>): number | undefined {
  const grpc = headers["grpc-timeout"];
  if (typeof grpc === "string") {
    const match = /^(\d{1,8})([HMSmun])$/.exec(grpc);
    return match ? Number(match[1]) * units[match[2]!]! : undefined;
  }
  const connect = headers["connect-timeout-ms"];
  if (typeof connect === "string" && /^\d{1,10}$/.test(connect)) return Number(connect);
  return undefined;
}
