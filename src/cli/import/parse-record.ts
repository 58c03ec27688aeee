// One input record (a JSONL line, or a CSV row under its header) → a
// CreateIdentityRequest, or the problem that keeps it from being one. Pure.
// Both spellings of every field work (proto names and JSON names), because
// decoding goes through the generated schema's fromJson. A problem's message
// names the field and what was expected but never quotes a value of a
// debug_redact field (initial_password, password_hash), nor any part of the
// line JSON.parse choked on (V8 quotes the text around the error).
import { ScalarType, fromJson, getOption, type DescField, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { IdentitySchema } from "../../../sdk/src/gen/avnology/identity/v1/identity_pb.js";
import { CreateIdentityRequestSchema, type CreateIdentityRequest } from "../../../sdk/src/gen/avnology/identity/v1/identity_service_pb.js";
import { FieldBehavior, field_behavior } from "../../../sdk/src/gen/google/api/field_behavior_pb.js";
import { UsageError } from "../output.js";

export interface RecordProblem {
  readonly message: string;
  /** The offending field, as `identity.email` or `initial_password`, when there is one. */
  readonly field?: string;
}

export type ParsedRecord = { readonly ok: true; readonly request: CreateIdentityRequest } | { readonly ok: false; readonly problem: RecordProblem };

/** One JSONL line: a JSON object in the shape of a CreateIdentityRequest. */
export function parseJsonLine(text: string): ParsedRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const position = /at position (\d+)/.exec(err instanceof Error ? err.message : "")?.[1];
    return refused(`is not valid JSON${position === undefined ? "" : ` (at column ${Number(position) + 1})`}`);
  }
  return decodeRequest(json);
}

function decodeRequest(json: unknown): ParsedRecord {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return refused('must be a JSON object like {"identity": {"email": "..."}, "password_hash": "..."}');
  }
  try {
    return { ok: true, request: fromJson(CreateIdentityRequestSchema, json as JsonObject) };
  } catch (err) {
    return { ok: false, problem: decodeProblem(err) };
  }
}

function refused(message: string, field?: string): ParsedRecord {
  return { ok: false, problem: { message, ...(field !== undefined && { field }) } };
}

/** fromJson's error, with the field as a path and no value of a redacted field. */
function decodeProblem(err: unknown): RecordProblem {
  const cause = err instanceof Error ? (err.cause as { field?: () => DescField; message?: string } | undefined) : undefined;
  if (cause && typeof cause.field === "function") {
    const field = cause.field();
    const path = fieldPath(field);
    const reason = field.proto.options?.debugRedact ? (cause.message ?? "").replace(/, got .*$/, "") : (cause.message ?? "");
    return { message: `${path}: ${reason || "has an invalid value"}`, field: path };
  }
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /^cannot decode message ([\w.]+) from JSON: key "([^"]*)" is unknown$/.exec(message);
  if (unknown) {
    const parent = unknown[1] === IdentitySchema.typeName ? "identity." : "";
    return { message: `${parent}${unknown[2]} is not a known field`, field: `${parent}${unknown[2]}` };
  }
  const decoded = /^cannot decode message ([\w.]+) from JSON: (.*)$/.exec(message);
  if (decoded?.[1] === IdentitySchema.typeName) return { message: "identity must be an object", field: "identity" };
  return { message: message.replace(/^cannot decode /, "cannot read ") };
}

function fieldPath(field: DescField): string {
  return field.parent.typeName === IdentitySchema.typeName ? `identity.${field.name}` : field.name;
}

// ---- CSV --------------------------------------------------------------

/** The flat fields a CSV column may name: the identity's writable scalar fields, and the request's passwords. */
interface CsvField {
  readonly name: string;
  readonly field: DescField;
  readonly inIdentity: boolean;
}

const csvFields: readonly CsvField[] = [
  ...IdentitySchema.fields
    .filter((f) => f.fieldKind === "scalar" && !getOption(f, field_behavior).includes(FieldBehavior.OUTPUT_ONLY))
    .map((field) => ({ name: field.name, field, inIdentity: true })),
  ...CreateIdentityRequestSchema.fields
    .filter((f) => f.name === "initial_password" || f.name === "password_hash")
    .map((field) => ({ name: field.name, field, inIdentity: false })),
];

/** The column names a CSV header may use (proto names; their JSON names work too). */
export const csvColumnNames: readonly string[] = csvFields.map((f) => f.name);

export interface CsvHeader {
  readonly columns: readonly CsvField[];
}

/** Reads the header row; an unknown or repeated column is a usage error naming the known ones. */
export function parseCsvHeader(row: readonly string[]): CsvHeader {
  const columns = row.map((raw) => {
    const name = raw.trim();
    const known = csvFields.find((f) => f.name === name || f.field.jsonName === name);
    if (!known) {
      throw new UsageError(`unknown CSV column "${name}"; the known columns are: ${csvColumnNames.join(", ")} (or their JSON names, e.g. first_name or firstName)`);
    }
    return known;
  });
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name)) throw new UsageError(`the CSV header names ${column.name} twice`);
    seen.add(column.name);
  }
  if (!seen.has("email")) throw new UsageError("the CSV header has no email column");
  return { columns };
}

/**
 * One CSV row under its header. An empty cell leaves its field unset; a
 * boolean column takes true/false (or 1/0, yes/no), any case.
 */
export function parseCsvRow(header: CsvHeader, row: readonly string[]): ParsedRecord {
  if (row.length !== header.columns.length) {
    return refused(`has ${row.length} fields where the header names ${header.columns.length}`);
  }
  const identity: Record<string, JsonValue> = {};
  const request: Record<string, JsonValue> = { identity };
  for (const [i, column] of header.columns.entries()) {
    const cell = row[i] ?? "";
    if (cell === "") continue;
    const value = column.field.scalar === ScalarType.BOOL ? csvBoolean(cell) : cell;
    if (value === undefined) {
      const path = column.inIdentity ? `identity.${column.name}` : column.name;
      return refused(`${path}: expected true or false`, path);
    }
    (column.inIdentity ? identity : request)[column.name] = value;
  }
  return decodeRequest(request);
}

function csvBoolean(cell: string): boolean | undefined {
  const value = cell.trim().toLowerCase();
  if (value === "true" || value === "1" || value === "yes") return true;
  if (value === "false" || value === "0" || value === "no") return false;
  return undefined;
}
