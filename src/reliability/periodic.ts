// A background task run every `intervalMs`, one run at a time, never keeping
// the process alive, logging (not throwing) its failures.
import type { Logger } from "pino";

export interface Periodic {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function runPeriodically(name: string, intervalMs: number, task: () => Promise<void>, logger: Logger): Periodic {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .catch((err: unknown) => logger.warn({ err, task: name }, "background task failed"))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
