// A run's hold on its idempotency record: the lease is short
// (IDEMPOTENCY_LEASE_MS, default 5 s) so that a retry can take over the key
// of a process that died within seconds, and renewed every lease/3 while the
// run is alive, so a slow run (a queue of password hashes) keeps it.
//
// The owner's writes (renewals, the new-id plan, the outcome) all claim the
// same name in the store (see idempotency-store.ts), so they are made one
// after the other here: two of them at once would refuse each other.
import type { Logger } from "pino";
import type { IdempotencyStore, StoredOutcome } from "../../store/idempotency-store.js";

export interface HeldLease {
  plan(plannedId: string): Promise<boolean>;
  /** Stops renewing, then records the outcome; false when the lease was lost. */
  complete(outcome: StoredOutcome): Promise<boolean>;
  /** Stops renewing, then drops the record so a retry runs again. */
  release(): Promise<void>;
}

export interface HoldOptions {
  readonly leaseMs: number;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly method: string;
}

export function holdLease(store: IdempotencyStore, id: string, lease: string, options: HoldOptions): HeldLease {
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `write` after every write queued before it. */
  const inTurn = <T>(write: () => Promise<T>): Promise<T> => {
    const result = queue.then(write);
    queue = result.catch(() => undefined);
    return result;
  };

  let lost = false;
  const renew = () =>
    void inTurn(async () => {
      if (lost || timer === undefined) return;
      try {
        if (!(await store.renew(id, lease, options.now()))) {
          lost = true;
          stop();
          options.logger.warn({ rpc: options.method }, "idempotency lease lost while the request ran");
        }
      } catch (err) {
        // One failed renewal leaves two more before the lease runs out.
        options.logger.warn({ err, rpc: options.method }, "idempotency lease renewal failed");
      }
    });
  let timer: NodeJS.Timeout | undefined = setInterval(renew, Math.max(50, Math.floor(options.leaseMs / 3)));
  timer.unref();
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  return {
    plan: (plannedId) => inTurn(async () => !lost && (await store.plan(id, lease, plannedId))),
    complete(outcome) {
      stop();
      return inTurn(() => store.complete(id, lease, outcome, options.now()));
    },
    release() {
      stop();
      return inTurn(() => store.release(id, lease));
    },
  };
}
