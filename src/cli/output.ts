// How the CLI shows things: aligned tables for lists, aligned "field value"
// lines for one resource, the REST API's JSON (snake_case field names, as
// `curl` would show) for --json, and one `error: CODE message (status)` line
// for a failure. Pure functions: the commands decide where the text goes.
import { toJson, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { AvnologyError } from "../../sdk/src/index.js";

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  return all.map(line).join("\n") + "\n";
}

/** One resource as "field  value" lines; empty values are left out. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const shown = fields.filter(([, value]) => value !== "");
  const width = Math.max(0, ...shown.map(([name]) => name.length));
  return shown.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join("\n") + "\n";
}

/** A timestamp as ISO 8601 (UTC), "" when unset. */
export function formatTime(timestamp: Timestamp | undefined): string {
  return timestamp ? timestampDate(timestamp).toISOString() : "";
}

/** A message as the REST API spells it (proto field names), for --json. */
export function messageJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
  return toJson(schema, message, { useProtoFieldName: true });
}

/** The --json document: one value, pretty-printed, newline-terminated. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** A wrong invocation (missing URL or key, bad flag value): exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * The one line a failure prints on stderr: the service's AVNOLOGY code, its
 * message and HTTP status, then the offending fields, if any.
 */
export function formatError(err: unknown): string {
  if (err instanceof AvnologyError) {
    const status = err.status > 0 ? ` (${err.status})` : "";
    const lines = [`error: ${err.code} ${err.message}${status}`];
    for (const v of err.violations) lines.push(`  ${v.field}: ${v.message}${v.code ? ` [${v.code}]` : ""}`);
    return lines.join("\n") + "\n";
  }
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message}\n`;
}
