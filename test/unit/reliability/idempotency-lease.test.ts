// The lease a running request holds on its idempotency record: renewed every
// third of the lease while the request runs, never after it finished, and
// the owner's own writes made one at a time (they claim the same name in the
// store, so two at once would refuse each other).
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { holdLease } from "../../../src/reliability/idempotency/lease.js";
import type { IdempotencyStore } from "../../../src/store/idempotency-store.js";

function recordingStore(options: { renewAnswer?: boolean } = {}) {
  const calls: string[] = [];
  let active = 0;
  let overlapped = false;
  const op = async <T>(name: string, answer: T): Promise<T> => {
    calls.push(name);
    if (++active > 1) overlapped = true;
    await new Promise((resolve) => setTimeout(resolve, 5));
    active--;
    return answer;
  };
  const store: IdempotencyStore = {
    begin: () => Promise.reject(new Error("not used")),
    renew: () => op("renew", options.renewAnswer ?? true),
    plan: () => op("plan", true),
    complete: () => op("complete", true),
    release: () => op("release", undefined),
    deleteExpired: () => Promise.resolve(0),
  };
  return { store, calls, overlapped: () => overlapped };
}

const options = { leaseMs: 3_000, now: () => new Date(), logger: pino({ level: "silent" }), method: "test/Create" };

describe("holdLease", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("renews every third of the lease while the request runs, and stops when it completes", async () => {
    const { store, calls } = recordingStore();
    const held = holdLease(store, "id", "lease", options);
    await vi.advanceTimersByTimeAsync(3_100);
    expect(calls.filter((c) => c === "renew")).toHaveLength(3);
    const completing = held.complete({ kind: "response", message: new Uint8Array() });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await completing).toBe(true);
    expect(calls.filter((c) => c === "renew")).toHaveLength(3);
    expect(calls.at(-1)).toBe("complete");
  });

  it("never runs two of its writes at once", async () => {
    const { store, overlapped, calls } = recordingStore();
    const held = holdLease(store, "id", "lease", { ...options, leaseMs: 150 }); // renews every 50 ms
    await vi.advanceTimersByTimeAsync(48);
    const planning = held.plan("usr_1");
    await vi.advanceTimersByTimeAsync(4); // a renewal falls due while the plan is written
    await vi.advanceTimersByTimeAsync(20);
    expect(await planning).toBe(true);
    const releasing = held.release();
    await vi.advanceTimersByTimeAsync(100);
    await releasing;
    expect(calls).toContain("plan");
    expect(calls).toContain("renew");
    expect(overlapped()).toBe(false);
  });

  it("stops renewing and refuses to plan once a renewal finds the lease lost", async () => {
    const { store, calls } = recordingStore({ renewAnswer: false });
    const held = holdLease(store, "id", "lease", options);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toEqual(["renew"]);
    expect(await held.plan("usr_1")).toBe(false);
  });
});
