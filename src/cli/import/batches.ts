// Cutting the records into batches and naming each batch's calls. Batch n
// holds records n·size … n·size+size-1 of the file (blank lines do not
// count), so the same file and batch size always give the same batches: a
// resumed import finds the batches it had finished by their position alone.
//
// A batch's idempotency key (the request's request_id) is derived from the
// file's digest, the import's run id (random, kept in the state file), the
// batch size, the batch's position and the attempt (a re-send of items the
// service answered AVNOLOGY_AUTH_021 is a new call: attempt 1, 2, …). So a
// batch that was in flight when the CLI was killed is sent again under the
// same key and the service replays its answer rather than creating twice;
// and an import started over (its state file deleted) gets a new run id, so
// nothing of the old import is replayed by mistake.
import { createHash } from "node:crypto";
import type { InputRecord } from "./read-input.js";

export const maxBatchSize = 1000;

export interface Batch {
  /** 0-based position of the batch in the file. */
  readonly index: number;
  readonly records: readonly InputRecord[];
}

export async function* batchesOf(records: AsyncIterable<InputRecord>, size: number): AsyncGenerator<Batch, void, undefined> {
  let index = 0;
  let current: InputRecord[] = [];
  for await (const record of records) {
    current.push(record);
    if (current.length === size) {
      yield { index: index++, records: current };
      current = [];
    }
  }
  if (current.length > 0) yield { index, records: current };
}

export interface KeySource {
  /** SHA-256 of the input, hex. */
  readonly sha256: string;
  readonly runId: string;
  readonly batchSize: number;
}

/** The request_id of one call of one batch: 1-255 printable ASCII, as the service asks. */
export function batchRequestId(source: KeySource, batchIndex: number, attempt: number): string {
  const digest = createHash("sha256")
    .update(`avnology-import\n${source.sha256}\n${source.runId}\n${source.batchSize}\n${batchIndex}\n${attempt}`)
    .digest("hex");
  return `import-${digest.slice(0, 48)}`;
}
