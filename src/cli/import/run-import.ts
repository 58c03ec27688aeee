// One import from start to summary: measure the file, load or start the
// resume state, stream the records in batches with a few in flight, write
// each finished batch's rejects and mark it done (one batch at a time, in
// the order they finish), and report. Nothing here prints but the progress;
// command.ts turns the report into output and an exit code.
import { UsageError } from "../output.js";
import { batchRequestId, batchesOf, type Batch, type KeySource } from "./batches.js";
import {
  addCounts,
  isDone,
  loadState,
  markDone,
  newState,
  rejectedTotal,
  resumeMismatch,
  saveState,
  statePathOf,
  type ImportCounts,
  type ImportState,
} from "./import-state.js";
import { createProgress, type ProgressDeps } from "./progress.js";
import { openRecords, surveyInput, type InputFormat } from "./read-input.js";
import { localReject, openRejects, rejectLine, serviceReject, type Reject } from "./rejects.js";
import { sendBatch, type BatchCall, type BatchItem } from "./send-batch.js";

export interface ImportOptions {
  /** Absolute paths. */
  readonly file: string;
  readonly rejects: string;
  readonly format: InputFormat;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly dryRun: boolean;
}

export interface ImportDeps extends ProgressDeps {
  readonly call: BatchCall;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export interface ImportReport {
  /** complete: every line has its answer; stopped: the service failed (a re-run resumes); nothing-to-do: done before. */
  readonly outcome: "complete" | "stopped" | "nothing-to-do";
  readonly options: ImportOptions;
  readonly stateFile: string | undefined;
  /** Records read by this run (skipped ones included). */
  readonly lines: number;
  /** Created (validate_only: would be created) and refused by this run. */
  readonly run: ImportCounts;
  /** Lines of batches an earlier run had finished. */
  readonly skipped: number;
  /** Items sent again after a 429/503 of their own. */
  readonly resent: number;
  readonly elapsedMs: number;
  /** This run's and the earlier runs' counts together. */
  readonly totals: ImportCounts;
  /** Batches of the file, and how many of them are done (by any run). */
  readonly batches: number;
  readonly batchesDone: number;
  readonly error?: unknown;
}

export async function runImport(deps: ImportDeps, options: ImportOptions): Promise<ImportReport> {
  const started = deps.now();
  const survey = await surveyInput(options.file, options.format);
  const statePath = options.dryRun ? undefined : statePathOf(options.file);
  const stateOptions = { format: options.format, batchSize: options.batchSize, rejects: options.rejects };
  const stored = await loadState(statePathOf(options.file));
  let state: ImportState | undefined;
  if (options.dryRun) {
    if (stored && stored.options.rejects === options.rejects) {
      const which = stored.completedAt === undefined ? "an unfinished" : "the";
      throw new UsageError(`${which} import of ${options.file} keeps its rejects in ${options.rejects}: give the dry run another file with --rejects`);
    }
  } else if (stored) {
    const mismatch = resumeMismatch(stored, survey, stateOptions, statePathOf(options.file));
    if (mismatch) throw new UsageError(mismatch);
    state = stored;
  } else {
    state = newState(survey, stateOptions, new Date(deps.now()));
  }
  const batches = Math.ceil(survey.records / options.batchSize);
  const base = { options, stateFile: statePath, resent: 0, batches, batchesDone: batches };
  if (state?.completedAt !== undefined) {
    return { ...base, outcome: "nothing-to-do", lines: 0, run: emptyCounts, skipped: 0, elapsedMs: deps.now() - started, totals: state.counts };
  }

  const records = await openRecords(options.file, options.format); // a bad CSV header stops here, before anything is written
  const rejectsFile = await openRejects(options.rejects, state?.rejectsBytes ?? 0);
  if (state && statePath) await saveState(statePath, state); // the run id is on disk before any key derived from it is sent
  const keys: KeySource | undefined = state && { sha256: survey.sha256, runId: state.runId, batchSize: options.batchSize };
  const progress = createProgress(deps, survey.records, options.dryRun ? "validating" : "importing");

  let run: ImportCounts = emptyCounts;
  let lines = 0;
  let skipped = 0;
  let resent = 0;
  let batchesDone = 0;
  const progressCounts = () => {
    const rejected = rejectedTotal(run);
    return { done: skipped + run.created + rejected, rejected, processed: run.created + rejected };
  };

  // Finished batches are recorded one at a time: the rejects file's length
  // saved with a done mark then covers exactly the done batches' lines.
  let recording: Promise<unknown> = Promise.resolve();
  const record = (batch: Batch, rejects: readonly Reject[], counts: ImportCounts) => {
    const step = recording.then(async () => {
      const length = await rejectsFile.append(rejects.map(rejectLine));
      if (state && statePath) {
        state = markDone(state, batch.index, counts, length);
        await saveState(statePath, state);
      }
      run = addCounts(run, counts);
      batchesDone++;
      progress.update(progressCounts());
    });
    recording = step.catch(() => undefined);
    return step;
  };

  const importBatch = async (batch: Batch) => {
    const items: BatchItem[] = [];
    const rejects: Reject[] = [];
    for (const r of batch.records) {
      if (r.parsed.ok) items.push({ line: r.line, request: r.parsed.request });
      else rejects.push(localReject(r.line, r.parsed.problem));
    }
    const sent =
      items.length === 0
        ? { outcomes: [], resent: 0 }
        : await sendBatch(deps, items, {
            validateOnly: options.dryRun,
            requestId: (attempt) => (keys ? batchRequestId(keys, batch.index, attempt) : ""),
          });
    let created = 0;
    for (const outcome of sent.outcomes) {
      if (outcome.error) rejects.push(serviceReject(outcome.line, outcome.error));
      else created++;
    }
    rejects.sort((a, b) => a.line - b.line);
    resent += sent.resent;
    await record(batch, rejects, { created, rejected: countByCode(rejects) });
  };

  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    try {
      for await (const batch of batchesOf(records, options.batchSize)) {
        if (state && isDone(state, batch.index)) {
          lines += batch.records.length;
          skipped += batch.records.length;
          progress.update(progressCounts());
          continue;
        }
        while (inFlight.size >= options.concurrency && !failure) await Promise.race(inFlight);
        if (failure) break;
        lines += batch.records.length;
        const task: Promise<void> = importBatch(batch)
          .catch((error: unknown) => void (failure ??= { error }))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    } catch (error) {
      failure ??= { error }; // the file could not be read on (invalid CSV)
    }
    await Promise.all(inFlight);
  } finally {
    // Also when something below the batches fails (the rejects file): the bar's timer must not keep the process alive.
    progress.stop(progressCounts());
    await rejectsFile.close();
  }

  if (!failure && state && statePath) {
    state = { ...state, completedAt: new Date(deps.now()).toISOString() };
    await saveState(statePath, state);
  }
  return {
    ...base,
    outcome: failure ? "stopped" : "complete",
    lines,
    run,
    skipped,
    resent,
    batchesDone: state ? state.doneBelow + state.doneAbove.length : batchesDone,
    elapsedMs: deps.now() - started,
    totals: state ? state.counts : run,
    ...(failure && { error: failure.error }),
  };
}

const emptyCounts: ImportCounts = Object.freeze({ created: 0, rejected: Object.freeze({}) });

function countByCode(rejects: readonly Reject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rejects) counts[r.code] = (counts[r.code] ?? 0) + 1;
  return counts;
}
