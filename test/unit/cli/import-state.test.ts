// The resume machinery of an import without a server: batches by position,
// idempotency keys derived from the file and the batch, the state file's
// round trip and atomic write, refusing a changed file or other options,
// done marks out of order, and the rejects file cut back on resume.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { batchRequestId, batchesOf, type KeySource } from "../../../src/cli/import/batches.js";
import {
  isDone,
  loadState,
  markDone,
  newState,
  resumeMismatch,
  saveState,
  statePathOf,
  type ImportState,
} from "../../../src/cli/import/import-state.js";
import type { InputRecord } from "../../../src/cli/import/read-input.js";
import { openRejects } from "../../../src/cli/import/rejects.js";

const dir = mkdtempSync(join(tmpdir(), "import-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const survey = { size: 120, sha256: "a".repeat(64), records: 10 };
const options = { format: "jsonl" as const, batchSize: 4, rejects: "/data/rejects.jsonl" };

describe("batches and their keys", () => {
  it("cuts records into batches by position, the last one shorter", async () => {
    async function* records(): AsyncGenerator<InputRecord> {
      for (let line = 1; line <= 10; line++) yield { line, parsed: { ok: false, problem: { message: "x" } } };
    }
    const batches: [number, number[]][] = [];
    for await (const b of batchesOf(records(), 4)) batches.push([b.index, b.records.map((r) => r.line)]);
    expect(batches).toEqual([
      [0, [1, 2, 3, 4]],
      [1, [5, 6, 7, 8]],
      [2, [9, 10]],
    ]);
  });

  const source: KeySource = { sha256: "a".repeat(64), runId: "run-1", batchSize: 4 };
  const keyCases: { name: string; other: KeySource; batch: number; attempt: number; same: boolean }[] = [
    { name: "same file, run, batch and attempt", other: source, batch: 3, attempt: 0, same: true },
    { name: "a changed file", other: { ...source, sha256: "b".repeat(64) }, batch: 3, attempt: 0, same: false },
    { name: "another run (started over)", other: { ...source, runId: "run-2" }, batch: 3, attempt: 0, same: false },
    { name: "another batch size", other: { ...source, batchSize: 5 }, batch: 3, attempt: 0, same: false },
    { name: "another batch", other: source, batch: 4, attempt: 0, same: false },
    { name: "a re-send (next attempt)", other: source, batch: 3, attempt: 1, same: false },
  ];
  it.each(keyCases)("key of batch 3 attempt 0 vs $name: same = $same", ({ other, batch, attempt, same }) => {
    const key = batchRequestId(source, 3, 0);
    expect(key).toMatch(/^[\x21-\x7e]{1,255}$/); // what the service accepts as a request_id
    expect(batchRequestId(other, batch, attempt) === key).toBe(same);
  });
});

describe("the state file", () => {
  it("round-trips, written atomically (no temporary file left)", async () => {
    const path = statePathOf(join(dir, "users.jsonl"));
    expect(path).toBe(join(dir, "users.jsonl.import-state.json"));
    expect(await loadState(path)).toBeUndefined();
    const state = markDone(newState(survey, options, new Date("2026-01-01T00:00:00Z")), 2, { created: 3, rejected: { AVNOLOGY_AUTH_014: 1 } }, 90);
    await saveState(path, state);
    expect(await loadState(path)).toEqual(state);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a file it cannot read as a state, saying how to start over", async () => {
    const path = join(dir, "broken.import-state.json");
    writeFileSync(path, "{ half");
    await expect(loadState(path)).rejects.toThrow(/not valid JSON; delete it to start the import over/);
    writeFileSync(path, JSON.stringify({ version: 2 }));
    await expect(loadState(path)).rejects.toThrow(/not one this version writes/);
  });

  const state = newState(survey, options, new Date("2026-01-01T00:00:00Z"));
  const mismatches: { name: string; survey: typeof survey; options: typeof options; says: RegExp | undefined }[] = [
    { name: "the same file and options", survey, options, says: undefined },
    { name: "a changed file (same size)", survey: { ...survey, sha256: "c".repeat(64) }, options, says: /input changed since its import started.*delete \/x\.import-state\.json/ },
    { name: "a changed size", survey: { ...survey, size: 121 }, options, says: /input changed/ },
    { name: "another batch size", survey, options: { ...options, batchSize: 5 }, says: /started with --batch-size 4; resume it with the same options/ },
    { name: "another rejects file", survey, options: { ...options, rejects: "/elsewhere.jsonl" }, says: /--rejects \/data\/rejects\.jsonl/ },
    { name: "another format", survey, options: { ...options, format: "csv" as never }, says: /--format jsonl/ },
  ];
  it.each(mismatches)("resume with $name", ({ survey: now, options: given, says }) => {
    const mismatch = resumeMismatch(state, now, given, "/x.import-state.json");
    if (says === undefined) expect(mismatch).toBeUndefined();
    else expect(mismatch).toMatch(says);
  });

  it("marks batches done out of order, compacting the ones below the first gap, and adds their counts", () => {
    let s: ImportState = newState(survey, options, new Date());
    s = markDone(s, 2, { created: 4, rejected: {} }, 0);
    s = markDone(s, 0, { created: 3, rejected: { AVNOLOGY_AUTH_014: 1 } }, 50);
    expect([s.doneBelow, s.doneAbove]).toEqual([1, [2]]);
    expect([0, 1, 2, 3].map((b) => isDone(s, b))).toEqual([true, false, true, false]);
    s = markDone(s, 1, { created: 2, rejected: { AVNOLOGY_AUTH_014: 1, AVNOLOGY_AUTH_902: 1 } }, 120);
    expect([s.doneBelow, s.doneAbove, s.rejectsBytes]).toEqual([3, [], 120]);
    expect(s.counts).toEqual({ created: 9, rejected: { AVNOLOGY_AUTH_014: 2, AVNOLOGY_AUTH_902: 1 } });
  });
});

describe("the rejects file", () => {
  it("a fresh import starts it empty; a resume cuts it back to the recorded length and appends after it", async () => {
    const path = join(dir, "rejects.jsonl");
    writeFileSync(path, "old content of another run\n");
    const fresh = await openRejects(path, 0);
    const afterFirst = await fresh.append(['{"line":1}\n', '{"line":2}\n']);
    await fresh.append(['{"line":9}\n']); // written, but its batch was never marked done
    await fresh.close();
    expect(afterFirst).toBe(22);

    const resumed = await openRejects(path, afterFirst);
    expect(readFileSync(path, "utf8")).toBe('{"line":1}\n{"line":2}\n');
    expect(await resumed.append([])).toBe(22);
    expect(await resumed.append(['{"line":9}\n'])).toBe(33);
    await resumed.close();
    expect(readFileSync(path, "utf8")).toBe('{"line":1}\n{"line":2}\n{"line":9}\n');
  });

  it("refuses to resume onto a rejects file shorter than recorded (or gone)", async () => {
    const path = join(dir, "short.jsonl");
    writeFileSync(path, "abc");
    await expect(openRejects(path, 10)).rejects.toThrow(/shorter \(3 bytes\) than the 10 bytes/);
    await expect(openRejects(join(dir, "gone.jsonl"), 10)).rejects.toThrow(/shorter \(0 bytes\)/);
    expect(existsSync(join(dir, "gone.jsonl"))).toBe(false);
  });
});
