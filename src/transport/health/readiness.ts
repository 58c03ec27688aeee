// Whether this instance should get traffic: start-up (indexes) is done, the
// database answers a ping within a bound, and no drain has begun. Probes
// (/readyz), gRPC health (Check, Watch, List) and shutdown all read and
// change this one state.
//
// A background monitor pings the database every `intervalMs` so that gRPC
// health Watch streams see outages and recoveries without a probe asking;
// /readyz additionally pings on each request, so its answer is never older
// than the probe.

export type NotReadyReason = "starting" | "database_unavailable" | "draining";

export interface ReadinessState {
  readonly ready: boolean;
  /** Why not, when not ready (the most important reason first). */
  readonly reason?: NotReadyReason;
  readonly database: "up" | "down" | "unknown";
  readonly started: boolean;
  readonly draining: boolean;
}

export interface Readiness {
  state(): ReadinessState;
  /** Pings the database now (bounded) and returns the resulting state. */
  check(): Promise<ReadinessState>;
  /** From now on not ready, for good (SIGTERM). */
  drain(): void;
  /** Called whenever `ready` flips; returns an unsubscribe function. */
  onChange(listener: (state: ReadinessState) => void): () => void;
  /** What a store operation just learned: the database answered (true) or could not be reached (false). */
  report(databaseAnswered: boolean): void;
  /** Stops the background ping. */
  stop(): void;
}

export interface ReadinessOptions {
  /** Rejects when the database does not answer within timeoutMs. */
  readonly ping: (timeoutMs: number) => Promise<void>;
  readonly isStarted: () => boolean;
  /** Start-up completion, to announce it at once rather than at the next ping. */
  readonly started?: Promise<void>;
  readonly pingTimeoutMs: number;
  /** Background ping period; default 1000 ms. */
  readonly intervalMs?: number;
}

export function createReadiness(options: ReadinessOptions): Readiness {
  let database: ReadinessState["database"] = "unknown";
  let draining = false;
  let lastReady: boolean | undefined;
  const listeners = new Set<(state: ReadinessState) => void>();

  function state(): ReadinessState {
    const started = options.isStarted();
    const reason: NotReadyReason | undefined = draining
      ? "draining"
      : !started
        ? "starting"
        : database !== "up"
          ? "database_unavailable"
          : undefined;
    return { ready: reason === undefined, ...(reason === undefined ? {} : { reason }), database, started, draining };
  }

  function publish(): void {
    const current = state();
    if (current.ready === lastReady) return;
    lastReady = current.ready;
    for (const listener of listeners) listener(current);
  }

  let pinging: Promise<void> | undefined;
  function ping(): Promise<void> {
    // One ping at a time: probes arriving together share it.
    pinging ??= options
      .ping(options.pingTimeoutMs)
      .then(
        () => void (database = "up"),
        () => void (database = "down"),
      )
      .finally(() => {
        pinging = undefined;
        publish();
      });
    return pinging;
  }

  const timer = setInterval(() => void ping(), options.intervalMs ?? 1_000);
  timer.unref();
  void ping();
  void options.started?.then(() => ping());

  return {
    state,
    async check() {
      await ping();
      return state();
    },
    drain() {
      draining = true;
      clearInterval(timer);
      publish();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    report(databaseAnswered) {
      const next = databaseAnswered ? "up" : "down";
      if (database === next) return;
      database = next;
      publish();
    },
    stop: () => clearInterval(timer),
  };
}
