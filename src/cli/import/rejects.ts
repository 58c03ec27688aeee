// rejects.jsonl: one JSON object per refused line, `{"line", "code",
// "message", "status", "details"}`, the details as the service gave them
// (field, value, violations, retry_after_seconds; the service never puts a
// password or hash there), or, for a line refused here, the field it names.
// The file is appended to as batches finish; a resumed import first cuts it
// back to the length its state recorded.
import { open, stat, type FileHandle } from "node:fs/promises";
import { toJson } from "@bufbuild/protobuf";
import { ItemErrorDetailsSchema, type ItemError } from "../../../sdk/src/gen/avnology/identity/v1/identity_service_pb.js";
import type { RecordProblem } from "./parse-record.js";

/** The code of a line refused before sending: the service's own for a malformed request. */
export const localRejectCode = "AVNOLOGY_AUTH_902";

export interface Reject {
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;
}

export function serviceReject(line: number, error: ItemError): Reject {
  const details = error.details ? (toJson(ItemErrorDetailsSchema, error.details, { useProtoFieldName: true }) as Record<string, unknown>) : {};
  return { line, code: error.code, message: error.message, status: error.status, details };
}

export function localReject(line: number, problem: RecordProblem): Reject {
  return { line, code: localRejectCode, message: `line ${line} ${problem.message}`, status: 400, details: problem.field === undefined ? {} : { field: problem.field } };
}

export function rejectLine(reject: Reject): string {
  return JSON.stringify(reject) + "\n";
}

export interface RejectsFile {
  /** Appends the lines and flushes them; answers the file's length after them. */
  append(lines: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export class RejectsFileError extends Error {
  override readonly name = "RejectsFileError";
}

/**
 * Opens the rejects file cut back to `keepBytes` (0: a new, empty file).
 * A file shorter than that was changed by someone else: refused, since
 * extending it would write zeros.
 */
export async function openRejects(path: string, keepBytes: number): Promise<RejectsFile> {
  if (keepBytes > 0) {
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size < keepBytes) {
      throw new RejectsFileError(`${path} is shorter (${Math.max(size, 0)} bytes) than the ${keepBytes} bytes the resume state recorded; restore it, or delete the state file to start over`);
    }
  }
  const file: FileHandle = await open(path, keepBytes > 0 ? "r+" : "w");
  await file.truncate(keepBytes);
  let length = keepBytes;
  return {
    async append(lines) {
      if (lines.length === 0) return length;
      const bytes = Buffer.from(lines.join(""), "utf8");
      await file.write(bytes, 0, bytes.length, length);
      await file.sync();
      length += bytes.length;
      return length;
    },
    close: () => file.close(),
  };
}
