// Progress of an import, always on stderr (so --json stdout stays one
// document): on a terminal a bar (cli-progress) with done / total, items per
// second and the time left; otherwise (a pipe, a log file, CI) plain lines,
// one when the first batch is done, then at most one every few seconds,
// and a last one at the end.
import cliProgress from "cli-progress";

export interface ProgressCounts {
  /** Lines dealt with: created, refused, or skipped as done by an earlier run. */
  readonly done: number;
  readonly rejected: number;
  /** Lines created or refused by this run (the rate counts only these). */
  readonly processed: number;
}

export interface Progress {
  update(counts: ProgressCounts): void;
  /** The final state: the bar drawn full (or a last line), then released. */
  stop(counts: ProgressCounts): void;
}

export interface ProgressDeps {
  /** The terminal to draw a bar on; undefined when stderr is not one. */
  readonly terminal: NodeJS.WriteStream | undefined;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
}

export const plainIntervalMs = 5_000;

export function createProgress(deps: ProgressDeps, total: number, label: string): Progress {
  const started = deps.now();
  const figures = (counts: ProgressCounts) => {
    const seconds = Math.max((deps.now() - started) / 1000, 0.001);
    const rate = counts.processed / seconds;
    const left = Math.max(total - counts.done, 0);
    return { rate, eta: rate > 0 ? formatDuration(left / rate) : "?" };
  };
  return deps.terminal ? barProgress(deps.terminal, total, label, figures) : plainProgress(deps, total, label, figures);
}

type Figures = (counts: ProgressCounts) => { rate: number; eta: string };

function barProgress(terminal: NodeJS.WriteStream, total: number, label: string, figures: Figures): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: terminal,
      format: `${label} {bar} {value}/{total} lines | {speed} items/s | ETA {eta_text} | {rejected} rejected`,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (counts: ProgressCounts) => {
    const { rate, eta } = figures(counts);
    return { speed: Math.round(rate), eta_text: eta, rejected: counts.rejected };
  };
  bar.start(total, 0, payload({ done: 0, rejected: 0, processed: 0 }));
  return {
    update: (counts) => bar.update(Math.min(counts.done, total), payload(counts)),
    stop: (counts) => {
      // The first pass's count is an estimate for CSV (a quoted newline): end on what was read.
      bar.setTotal(Math.max(total, counts.done));
      bar.update(counts.done, payload(counts));
      bar.stop();
    },
  };
}

function plainProgress(deps: ProgressDeps, total: number, label: string, figures: Figures): Progress {
  let last: number | undefined;
  const line = (counts: ProgressCounts) => {
    const { rate, eta } = figures(counts);
    const percent = total > 0 ? Math.floor((100 * Math.min(counts.done, total)) / total) : 100;
    deps.stderr(`${label}: ${counts.done}/${total} lines (${percent}%), ${Math.round(rate)} items/s, ETA ${eta}, ${counts.rejected} rejected\n`);
    last = deps.now();
  };
  return {
    update: (counts) => {
      if (counts.processed === 0) return; // lines skipped as done before: the first real batch says more
      if (last === undefined || deps.now() - last >= plainIntervalMs) line(counts);
    },
    stop: (counts) => line(counts),
  };
}

/** 75 → "1m15s", 3700 → "1h01m", 4.2 → "4s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
