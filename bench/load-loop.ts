// Drives one request function: closed loop (N in flight, as fast as answers
// come) or open loop (a fixed arrival rate, latency counted from each
// request's scheduled start so a stalled server cannot hide its queueing).
// Both are bounded in time and in requests in flight.
import { createHistogram } from "node:perf_hooks";

export type Shot = () => Promise<void>;

export type LoadMode =
  | {
      readonly kind: "closed";
      readonly concurrency: number;
      readonly durationMs: number;
      /** Keep going past durationMs until this many requests finished (at most 6 × durationMs): slow calls need a sample. */
      readonly minRequests?: number;
    }
  | { readonly kind: "open"; readonly ratePerSecond: number; readonly durationMs: number; readonly maxInFlight: number };

export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** Open loop: arrivals skipped because maxInFlight were still running. */
  readonly shed: number;
  readonly elapsedMs: number;
  /** Successful requests per second. */
  readonly throughput: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

export async function runLoad(shot: Shot, mode: LoadMode): Promise<LoadResult> {
  const histogram = createHistogram();
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let shed = 0;
  const fire = async (scheduledAt: number) => {
    try {
      await shot();
      completed++;
      histogram.record(Math.max(1, Math.round((performance.now() - scheduledAt) * 1e6)));
    } catch (err) {
      errors++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  };

  const started = performance.now();
  const deadline = started + mode.durationMs;
  if (mode.kind === "closed") {
    const minRequests = mode.minRequests ?? 0;
    const hardDeadline = started + 6 * mode.durationMs;
    const more = () => {
      const now = performance.now();
      return now < deadline || (completed + errors < minRequests && now < hardDeadline);
    };
    const worker = async () => {
      while (more()) await fire(performance.now());
    };
    await Promise.all(Array.from({ length: mode.concurrency }, worker));
  } else {
    const interval = 1000 / mode.ratePerSecond;
    const running = new Set<Promise<void>>();
    let next = started;
    while (next < deadline) {
      const now = performance.now();
      while (next <= now && next < deadline) {
        if (running.size >= mode.maxInFlight) shed++;
        else {
          const p = fire(next).finally(() => running.delete(p));
          running.add(p);
        }
        next += interval;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(next - performance.now(), 5))));
    }
    await Promise.all(running);
  }
  const elapsedMs = performance.now() - started;
  const ms = (ns: number) => (completed === 0 ? 0 : ns / 1e6);
  return {
    completed,
    errors,
    firstError,
    shed,
    elapsedMs,
    throughput: completed / (elapsedMs / 1000),
    latencyMs: {
      p50: ms(histogram.percentile(50)),
      p90: ms(histogram.percentile(90)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    },
  };
}
