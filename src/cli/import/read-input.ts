// Reading the input file as a stream of records, never the whole file at
// once: JSONL through readline, CSV through csv-parse. Before the import a
// quick first pass (surveyInput) measures the file: its size and SHA-256
// (the resume state's proof that the file did not change) and how many
// records it holds (the progress bar's total).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { UsageError } from "../output.js";
import { parseCsvHeader, parseCsvRow, parseJsonLine, type ParsedRecord } from "./parse-record.js";

export type InputFormat = "jsonl" | "csv";

export interface InputRecord {
  /** 1-based line of the file (for a CSV row spanning lines, its last one). */
  readonly line: number;
  readonly parsed: ParsedRecord;
}

export interface InputSurvey {
  readonly size: number;
  readonly sha256: string;
  /** Records the file holds: non-blank lines (less the CSV header; a quoted newline in a CSV cell counts one more). */
  readonly records: number;
}

const newline = 0x0a;
const blank = new Set([0x20, 0x09, 0x0d]);

/** One pass over the file: its size, digest and record count. */
export async function surveyInput(path: string, format: InputFormat): Promise<InputSurvey> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(err.code === "ENOENT" ? `no such file: ${path}` : `cannot read ${path}: ${err.message}`);
  });
  if (!info.isFile()) throw new UsageError(`not a file: ${path}`);
  const hash = createHash("sha256");
  let size = 0;
  let lines = 0;
  let content = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
    for (const byte of chunk) {
      if (byte === newline) {
        if (content) lines++;
        content = false;
      } else if (!blank.has(byte)) {
        content = true;
      }
    }
  }
  if (content) lines++;
  return { size, sha256: hash.digest("hex"), records: format === "csv" ? Math.max(0, lines - 1) : lines };
}

/**
 * The file's records in order. For CSV the header is read and checked
 * before this returns (an unknown column is a usage error, before anything
 * is sent).
 */
export async function openRecords(path: string, format: InputFormat): Promise<AsyncGenerator<InputRecord, void, undefined>> {
  return format === "csv" ? openCsv(path) : jsonlRecords(path);
}

async function* jsonlRecords(path: string): AsyncGenerator<InputRecord, void, undefined> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") continue;
      yield { line, parsed: parseJsonLine(text) };
    }
  } finally {
    lines.close();
  }
}

interface CsvRow {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

async function openCsv(path: string): Promise<AsyncGenerator<InputRecord, void, undefined>> {
  // No trimming: a password may start or end with a space. Rows whose field
  // count differs from the header's reach parseCsvRow, which refuses them.
  const parser = createReadStream(path).pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  const rows = parser[Symbol.asyncIterator]() as AsyncIterator<CsvRow>;
  const first = await rows.next().catch((err: unknown) => {
    parser.destroy();
    throw csvError(path, err);
  });
  if (first.done) {
    parser.destroy();
    throw new UsageError(`${path} is empty: a CSV import needs a header row`);
  }
  let header;
  try {
    header = parseCsvHeader(first.value.record);
  } catch (err) {
    parser.destroy();
    throw err;
  }
  return (async function* () {
    try {
      for (;;) {
        const next = await rows.next().catch((err: unknown) => {
          throw csvError(path, err);
        });
        if (next.done) return;
        yield { line: next.value.info.lines, parsed: parseCsvRow(header, next.value.record) };
      }
    } finally {
      parser.destroy();
    }
  })();
}

/** A CSV the parser cannot read on (an unclosed quote): the import stops there. */
function csvError(path: string, err: unknown): Error {
  const detail = err as { message?: string; lines?: number };
  return new Error(`${path}${detail.lines ? ` line ${detail.lines}` : ""}: not valid CSV (${(detail.message ?? String(err)).replace(/:.*$/, "")})`);
}
