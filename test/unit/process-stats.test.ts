// BENCH_STATS: off by default; when on, the service answers the bench's IPC
// requests with its own event-loop delay, CPU time and peak RSS.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { serveBenchStats, type BenchStatsReply } from "../../src/process-stats.js";

const pepper = "p".repeat(32);

describe("BENCH_STATS", () => {
  it.each([
    [undefined, false],
    ["0", false],
    ["1", true],
    ["true", true],
  ])("BENCH_STATS=%s → %s", (raw, expected) => {
    const env = raw === undefined ? { API_KEY_PEPPER: pepper } : { API_KEY_PEPPER: pepper, BENCH_STATS: raw };
    expect(loadConfig(env).benchStats).toBe(expected);
  });

  it("refuses a value that is not a flag", () => {
    expect(() => loadConfig({ API_KEY_PEPPER: pepper, BENCH_STATS: "yes" })).toThrow(/BENCH_STATS/);
  });
});

/** A process with an IPC channel: messages in through emit, replies collected. */
function fakeProcess() {
  const proc = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const sent: BenchStatsReply[] = [];
  proc["send"] = (message: BenchStatsReply) => sent.push(message);
  proc["memoryUsage"] = process.memoryUsage;
  proc["resourceUsage"] = process.resourceUsage;
  proc["cpuUsage"] = process.cpuUsage;
  return { proc: proc as unknown as NodeJS.Process, emit: (message: unknown) => proc.emit("message", message), sent };
}

describe("serveBenchStats", () => {
  it("answers a bench-stats request with its id and this process's figures", () => {
    const { proc, emit, sent } = fakeProcess();
    serveBenchStats(proc);
    emit({ type: "bench-stats", id: 7, reset: true });
    expect(sent).toHaveLength(1);
    const [reply] = sent;
    expect(reply).toMatchObject({ type: "bench-stats", id: 7 });
    expect(reply!.maxRssBytes).toBeGreaterThanOrEqual(reply!.rssBytes * 0.5);
    expect(reply!.cpuMicros).toBeGreaterThan(0);
    expect(reply!.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(0);
  });

  it("ignores other messages and is inert without an IPC channel", () => {
    const { proc, emit, sent } = fakeProcess();
    serveBenchStats(proc);
    emit({ type: "something-else", id: 1 });
    expect(sent).toHaveLength(0);
    const noChannel = new EventEmitter() as unknown as NodeJS.Process;
    serveBenchStats(noChannel);
    expect(noChannel.listenerCount("message")).toBe(0);
  });
});
