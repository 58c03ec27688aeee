// Bench-only (BENCH_STATS=1, see bench/): answers the parent process's IPC
// requests with this process's own event-loop delay and memory, so
// `npm run bench` reads them from the service itself rather than guessing
// from outside. Inert when the process has no IPC channel.
import { monitorEventLoopDelay } from "node:perf_hooks";

/** The sampling interval; every recorded delay includes it, so it is subtracted. */
const resolutionMs = 10;

export interface BenchStatsRequest {
  readonly type: "bench-stats";
  readonly id: number;
  /** Start a new event-loop delay window after answering. */
  readonly reset?: boolean;
}

export interface BenchStatsReply {
  readonly type: "bench-stats";
  readonly id: number;
  /** Event-loop delay beyond the sampling interval since the last reset, in ms. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number; readonly samples: number };
  readonly rssBytes: number;
  /** Peak resident set size of the process's whole life (getrusage). */
  readonly maxRssBytes: number;
  /** CPU time (user + system, all threads) used by the process so far, in µs. */
  readonly cpuMicros: number;
}

export function serveBenchStats(proc: NodeJS.Process = process): void {
  if (!proc.send) return;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  const excessMs = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
  proc.on("message", (message: Partial<BenchStatsRequest>) => {
    if (message?.type !== "bench-stats" || typeof message.id !== "number") return;
    const cpu = proc.cpuUsage();
    const reply: BenchStatsReply = {
      type: "bench-stats",
      id: message.id,
      eventLoopDelayMs: {
        p50: excessMs(delay.percentile(50)),
        p99: excessMs(delay.percentile(99)),
        max: excessMs(delay.max),
        samples: delay.count,
      },
      rssBytes: proc.memoryUsage.rss(),
      maxRssBytes: proc.resourceUsage().maxRSS * 1024,
      cpuMicros: cpu.user + cpu.system,
    };
    if (message.reset) delay.reset();
    proc.send!(reply);
  });
  // The channel must not keep a stopping service alive.
  proc.channel?.unref();
}
