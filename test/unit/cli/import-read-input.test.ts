// Reading import input: JSONL lines and CSV rows into CreateIdentity
// requests (both field spellings), the problems of lines that are not one
// (never quoting a password or hash), the CSV header's rules, and the
// streaming readers with their line numbers and the first pass's figures.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/cli/output.js";
import { csvColumnNames, parseCsvHeader, parseCsvRow, parseJsonLine, type ParsedRecord } from "../../../src/cli/import/parse-record.js";
import { openRecords, surveyInput, type InputRecord } from "../../../src/cli/import/read-input.js";

const dir = mkdtempSync(join(tmpdir(), "import-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function all(records: AsyncIterable<InputRecord>): Promise<InputRecord[]> {
  const list: InputRecord[] = [];
  for await (const r of records) list.push(r);
  return list;
}

const summary = (parsed: ParsedRecord) =>
  parsed.ok
    ? { email: parsed.request.identity?.email, firstName: parsed.request.identity?.firstName, verified: parsed.request.identity?.emailVerified, password: parsed.request.initialPassword, hash: parsed.request.passwordHash }
    : parsed.problem;

describe("parseJsonLine", () => {
  const cases: { name: string; line: string; expected: unknown }[] = [
    { name: "proto names", line: '{"identity": {"email": "a@example.com", "first_name": "A", "email_verified": true}, "initial_password": "pw pw pw"}', expected: { email: "a@example.com", firstName: "A", verified: true, password: "pw pw pw", hash: "" } },
    { name: "JSON names", line: '{"identity": {"email": "b@example.com", "firstName": "B"}, "passwordHash": "$2b$04$x"}', expected: { email: "b@example.com", firstName: "B", verified: false, password: "", hash: "$2b$04$x" } },
    { name: "not JSON, without quoting the line", line: '{"identity": {}, "password_hash": "$2b$secret', expected: { message: expect.stringMatching(/^is not valid JSON/) } },
    { name: "not an object", line: '"$2b$secret"', expected: { message: expect.stringMatching(/^must be a JSON object/) } },
    { name: "an array", line: "[1, 2]", expected: { message: expect.stringMatching(/^must be a JSON object/) } },
    { name: "an unknown identity field", line: '{"identity": {"email": "c@example.com", "nick": "C"}}', expected: { message: "identity.nick is not a known field", field: "identity.nick" } },
    { name: "an unknown top-level field", line: '{"identity": {"email": "c@example.com"}, "pasword": "x"}', expected: { message: "pasword is not a known field", field: "pasword" } },
    { name: "a wrong type", line: '{"identity": {"email": "d@example.com", "email_verified": "yes"}}', expected: { message: 'identity.email_verified: expected boolean, got "yes"', field: "identity.email_verified" } },
    { name: "a redacted field of a wrong type: no value quoted", line: '{"identity": {"email": "e@example.com"}, "initial_password": 12345678}', expected: { message: "initial_password: expected string", field: "initial_password" } },
    { name: "identity not an object", line: '{"identity": "f@example.com"}', expected: { message: "identity must be an object", field: "identity" } },
  ];
  it.each(cases)("$name", ({ line, expected }) => {
    expect(summary(parseJsonLine(line))).toEqual(expected);
  });

  it("never puts a password or hash of the line into a problem", () => {
    for (const line of ['{"password_hash": "$2b$04$abcdefgh", oops}', '{"initial_password": ["hunter2hunter2"]}', '{"password_hash": {"v": "$2b$04$abcdefgh"}}']) {
      const parsed = parseJsonLine(line);
      expect(parsed.ok).toBe(false);
      expect(JSON.stringify(parsed)).not.toMatch(/abcdefgh|hunter2/);
    }
  });
});

describe("CSV header and rows", () => {
  it("knows the identity's writable scalar fields and the two password fields, not output-only or structured ones", () => {
    expect(csvColumnNames).toEqual(expect.arrayContaining(["email", "first_name", "email_verified", "external_id", "initial_password", "password_hash"]));
    for (const name of ["id", "created_at", "created_by", "traits", "metadata"]) expect(csvColumnNames).not.toContain(name);
  });

  const header = parseCsvHeader(["email", "firstName", "email_verified", "initial_password"]);
  const rows: { name: string; row: string[]; expected: unknown }[] = [
    { name: "all cells", row: ["a@example.com", "Ada", "TRUE", " spaced pw "], expected: { email: "a@example.com", firstName: "Ada", verified: true, password: " spaced pw ", hash: "" } },
    { name: "empty cells leave fields unset", row: ["b@example.com", "", "", ""], expected: { email: "b@example.com", firstName: "", verified: false, password: "", hash: "" } },
    { name: "1/0 booleans", row: ["c@example.com", "", "0", ""], expected: { email: "c@example.com", firstName: "", verified: false, password: "", hash: "" } },
    { name: "a bad boolean", row: ["d@example.com", "", "maybe", ""], expected: { message: "identity.email_verified: expected true or false", field: "identity.email_verified" } },
    { name: "too few fields", row: ["e@example.com"], expected: { message: "has 1 fields where the header names 4" } },
  ];
  it.each(rows)("row: $name", ({ row, expected }) => {
    expect(summary(parseCsvRow(header, row))).toEqual(expected);
  });

  const badHeaders: { name: string; row: string[]; says: RegExp }[] = [
    { name: "an unknown column, listing the known ones", row: ["email", "nickname"], says: /unknown CSV column "nickname"; the known columns are: email, username, first_name, .*password_hash/ },
    { name: "a column twice (as proto and JSON name)", row: ["email", "first_name", "firstName"], says: /names first_name twice/ },
    { name: "no email column", row: ["first_name"], says: /no email column/ },
  ];
  it.each(badHeaders)("header: $name is a usage error", ({ row, says }) => {
    expect(() => parseCsvHeader(row)).toThrow(UsageError);
    expect(() => parseCsvHeader(row)).toThrow(says);
  });
});

describe("reading files", () => {
  it("JSONL: blank lines skipped but counted in line numbers, a BOM and CRLF endings tolerated", async () => {
    const path = file("users.jsonl", '\uFEFF{"identity": {"email": "a@example.com"}}\r\n\r\n   \n{"identity": {"email": "b@example.com"}}\nnot json\n');
    const records = await all(await openRecords(path, "jsonl"));
    expect(records.map((r) => [r.line, r.parsed.ok ? r.parsed.request.identity?.email : r.parsed.problem.message])).toEqual([
      [1, "a@example.com"],
      [4, "b@example.com"],
      [5, expect.stringMatching(/not valid JSON/)],
    ]);
  });

  it("CSV: the header is read first, a quoted newline stays in its cell, rows are numbered by the line they end on", async () => {
    // (csv-parse counts a CRLF inside a quoted cell as two lines; LF and CRLF between rows count right.)
    const path = file("users.csv", 'email,last_name\r\na@example.com,"Smith,\nJr."\r\n\r\nb@example.com,Jones\r\n');
    const records = await all(await openRecords(path, "csv"));
    expect(records.map((r) => [r.line, r.parsed.ok && r.parsed.request.identity?.lastName])).toEqual([
      [3, "Smith,\nJr."],
      [5, "Jones"],
    ]);
  });

  it("CSV: a bad header is refused before any record is read; an empty file has no header", async () => {
    await expect(openRecords(file("bad.csv", "email,nick\nx@example.com,X\n"), "csv")).rejects.toThrow(/unknown CSV column "nick"/);
    await expect(openRecords(file("empty.csv", ""), "csv")).rejects.toThrow(/needs a header row/);
  });

  it("CSV: an unclosed quote stops the reading with an error naming the line, not the text", async () => {
    const records = await openRecords(file("unclosed.csv", 'email,initial_password\na@example.com,ok pw\nb@example.com,"secret pw\n'), "csv");
    await expect(all(records)).rejects.toThrow(/unclosed\.csv line 3: not valid CSV \(Quote Not Closed\)$/);
  });

  it("the first pass: size, SHA-256 and the record count (less the CSV header)", async () => {
    const content = '{"a": 1}\n\n{"b": 2}\n  \n{"c": 3}';
    const jsonl = await surveyInput(file("count.jsonl", content), "jsonl");
    expect(jsonl).toEqual({ size: Buffer.byteLength(content), sha256: createHash("sha256").update(content).digest("hex"), records: 3 });
    expect((await surveyInput(file("count.csv", "email\na@example.com\nb@example.com\n"), "csv")).records).toBe(2);
    await expect(surveyInput(join(dir, "missing.jsonl"), "jsonl")).rejects.toThrow(/no such file/);
  });
});
