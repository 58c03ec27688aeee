// Shares rate-limit budgets between instances in the background. Every sync
// interval an instance adds what it took per key to a per-minute window
// document in MongoDB and reads the window totals of the keys it tracks; the
// part of a total it did not take itself is what the other instances took,
// and that (minus what was already charged) is charged to its local buckets.
// The hot path never waits for this: the price is a bounded overshoot, about
// (instances - 1) × (burst + rate × sync interval); see
// docs/idempotency-and-rate-limits.md for the measured figure.
import type { RateLimitStore } from "../../store/rate-limit-store.js";
import type { RateLimiter } from "./limiter.js";

/** Window of the shared counters: long enough to keep few documents, short enough to expire soon. */
export const usageWindowMs = 60_000;

interface WindowState {
  readonly key: string;
  /** What this instance added to the window's total. */
  own: number;
  /** What other instances took in this window and was already charged here; undefined before the first read. */
  remoteSeen: number | undefined;
}

export function createBudgetSync(limiter: RateLimiter, store: RateLimitStore, nowMs: () => number = Date.now) {
  const windows = new Map<string, WindowState>();
  let lastCleanup = 0;

  const docId = (key: string, window: number) => `${key}|${window}`;
  const stateOf = (key: string, window: number): WindowState => {
    const id = docId(key, window);
    let state = windows.get(id);
    if (!state) {
      // A key already tracked in the previous window starts the new one at 0
      // rather than with a baseline, so a window change loses nothing.
      const tracked = windows.get(docId(key, window - 1))?.remoteSeen !== undefined;
      windows.set(id, (state = { key, own: 0, remoteSeen: tracked ? 0 : undefined }));
    }
    return state;
  };

  /** One round: report, read back, charge. */
  async function sync(): Promise<void> {
    const now = nowMs();
    const window = Math.floor(now / usageWindowMs);
    const expiresAt = new Date((window + 2) * usageWindowMs);

    const increments = [];
    for (const [key, count] of limiter.drainUnsynced()) {
      stateOf(key, window).own += count;
      increments.push({ id: docId(key, window), count, expiresAt });
    }
    await store.add(increments);

    limiter.evictIdle();
    for (const key of limiter.keys()) stateOf(key, window);
    for (const id of windows.keys()) {
      const tracked = id.endsWith(`|${window}`) || id.endsWith(`|${window - 1}`);
      if (!tracked) windows.delete(id);
    }
    const totals = await store.totals([...windows.keys()]);
    for (const [id, state] of windows) {
      const remote = Math.max(0, (totals.get(id) ?? 0) - state.own);
      // The first reading of a window is a baseline: what others took before
      // this instance tracked the key is history, not a debt.
      if (state.remoteSeen === undefined) {
        state.remoteSeen = remote;
        continue;
      }
      if (remote > state.remoteSeen) {
        limiter.chargeRemote(state.key, remote - state.remoteSeen);
        state.remoteSeen = remote;
      }
    }

    if (now - lastCleanup >= usageWindowMs) {
      lastCleanup = now;
      await store.deleteExpired(new Date(now));
    }
  }

  return { sync };
}
