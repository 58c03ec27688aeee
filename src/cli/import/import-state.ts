// The resume state of one import: a small JSON file next to the input
// (`<input>.import-state.json`). It records what identifies the input (size
// and SHA-256: a changed file is refused, since its batches and keys would no
// longer match), the options that decide batches and keys, the run id, which
// batches are done (they finish out of order, so: every batch below
// `doneBelow`, plus the finished ones above it), the rejects file's length
// when the last batch was marked done (a restart truncates the rejects file
// back to it: lines written for a batch that was not marked done are
// written again when that batch is), and the counts of the done batches.
// Written atomically (a temporary file, fsync, rename): a kill at any moment
// leaves the old state or the new one, never half of one.
import { randomUUID } from "node:crypto";
import { open, readFile, rename } from "node:fs/promises";
import type { InputFormat, InputSurvey } from "./read-input.js";

export interface ImportCounts {
  readonly created: number;
  readonly rejected: Readonly<Record<string, number>>;
}

export interface ImportState {
  readonly version: 1;
  readonly input: { readonly size: number; readonly sha256: string };
  readonly options: { readonly format: InputFormat; readonly batchSize: number; readonly rejects: string };
  readonly runId: string;
  readonly startedAt: string;
  readonly doneBelow: number;
  readonly doneAbove: readonly number[];
  readonly rejectsBytes: number;
  readonly counts: ImportCounts;
  readonly completedAt?: string;
}

export type StateOptions = ImportState["options"];

export function statePathOf(input: string): string {
  return `${input}.import-state.json`;
}

export function newState(survey: InputSurvey, options: StateOptions, now: Date): ImportState {
  return {
    version: 1,
    input: { size: survey.size, sha256: survey.sha256 },
    options,
    runId: randomUUID(),
    startedAt: now.toISOString(),
    doneBelow: 0,
    doneAbove: [],
    rejectsBytes: 0,
    counts: { created: 0, rejected: {} },
  };
}

export class StateFileError extends Error {
  override readonly name = "StateFileError";
}

/** The state at `path`, or undefined when there is none. */
export async function loadState(path: string): Promise<ImportState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    throw new StateFileError(`the resume state ${path} is not valid JSON; delete it to start the import over`);
  }
  if (!isState(state)) throw new StateFileError(`the resume state ${path} is not one this version writes; delete it to start the import over`);
  return state;
}

function isState(value: unknown): value is ImportState {
  const s = value as Partial<ImportState> | null;
  return (
    typeof s === "object" && s !== null && s.version === 1 &&
    typeof s.input?.sha256 === "string" && typeof s.input.size === "number" &&
    typeof s.options?.batchSize === "number" && typeof s.options.rejects === "string" && typeof s.options.format === "string" &&
    typeof s.runId === "string" && typeof s.doneBelow === "number" && Array.isArray(s.doneAbove) &&
    typeof s.rejectsBytes === "number" && typeof s.counts?.created === "number"
  );
}

/** Writes the state atomically: a temporary file beside it, flushed, then renamed over it. */
export async function saveState(path: string, state: ImportState): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, "w");
  try {
    await file.writeFile(JSON.stringify(state, null, 2) + "\n");
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

/**
 * Why the state cannot resume this invocation (another file, changed
 * contents, other options), or undefined when it can.
 */
export function resumeMismatch(state: ImportState, survey: InputSurvey, options: StateOptions, statePath: string): string | undefined {
  const startOver = `to start a new import of it, delete ${statePath}`;
  if (state.input.size !== survey.size || state.input.sha256 !== survey.sha256) {
    return `the input changed since its import started on ${state.startedAt} (size or content differs from the one recorded in ${statePath}); ` +
      `resuming would send other lines under the old batches' keys. Restore the original file to resume, or ${startOver}`;
  }
  const differing = (Object.keys(options) as (keyof StateOptions)[]).filter((name) => state.options[name] !== options[name]);
  if (differing.length > 0) {
    const flags: Record<keyof StateOptions, string> = { format: "--format", batchSize: "--batch-size", rejects: "--rejects" };
    const was = differing.map((name) => `${flags[name]} ${String(state.options[name])}`).join(" ");
    return `this import was started with ${was}; resume it with the same options (${was}), or ${startOver}`;
  }
  return undefined;
}

export function isDone(state: ImportState, batch: number): boolean {
  return batch < state.doneBelow || state.doneAbove.includes(batch);
}

/** The state with one more batch done, its counts added and the rejects file's new length. */
export function markDone(state: ImportState, batch: number, counts: ImportCounts, rejectsBytes: number): ImportState {
  const above = new Set(state.doneAbove);
  above.add(batch);
  let doneBelow = state.doneBelow;
  while (above.delete(doneBelow)) doneBelow++;
  return {
    ...state,
    doneBelow,
    doneAbove: [...above].sort((a, b) => a - b),
    rejectsBytes,
    counts: addCounts(state.counts, counts),
  };
}

export function addCounts(a: ImportCounts, b: ImportCounts): ImportCounts {
  const rejected: Record<string, number> = { ...a.rejected };
  for (const [code, n] of Object.entries(b.rejected)) rejected[code] = (rejected[code] ?? 0) + n;
  return { created: a.created + b.created, rejected };
}

export function rejectedTotal(counts: ImportCounts): number {
  return Object.values(counts.rejected).reduce((sum, n) => sum + n, 0);
}
