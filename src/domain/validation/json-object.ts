// Validation of the free-form JSON objects of an identity (traits,
// admin_metadata, metadata). They are stored as-is in MongoDB, so this module
// rejects - never rewrites - what MongoDB or our own object handling cannot
// keep safely, and bounds their size and nesting.
import type { Violation } from "../errors.js";
import { findForbiddenCharacter, quoteForMessage, violation } from "./text.js";

/** At most 64 KiB (65,536 bytes) per object, measured as UTF-8 `JSON.stringify` output. */
export const maxJsonBytes = 65_536;

/**
 * At most 16 levels of nesting per object. The object itself is level 1, and
 * every object or array inside it adds one level: `{"a":{"b":[1]}}` is 3 levels.
 */
export const maxJsonDepth = 16;

/**
 * At most this many key/value violations are listed per object; the rest are
 * summed up in one more violation so a hostile body cannot make the error
 * response (or the log line) thousands of entries long.
 */
export const maxJsonViolationsListed = 20;

/** A key is shown as `.key` when it is this simple, otherwise as `["k.e y"]`. */
const simpleKey = /^[A-Za-z0-9_-]{1,64}$/;

function keyPath(path: string, key: string): string {
  return simpleKey.test(key) ? `${path}.${key}` : `${path}[${quoteForMessage(key)}]`;
}

/**
 * The reasons a key cannot be stored (empty when it is fine).
 * - `$` prefix: MongoDB reads such keys as operators (`$where`, `$set`) in
 *   updates and some drivers/tools refuse them;
 * - `.`: MongoDB reads it as a path separator (`a.b` would address `{a:{b}}`);
 * - NUL: BSON keys are NUL-terminated C strings;
 * - `__proto__`: assigning it on a plain object replaces the prototype
 *   (prototype pollution in any code that copies or merges the object);
 * - `prototype` directly inside a `constructor` object: the other pollution
 *   gadget (`obj.constructor.prototype`). A lone `constructor` or `prototype`
 *   key is ordinary data and is kept (the same rule as secure-json-parse);
 * - an unpaired surrogate: not encodable as UTF-8, the driver would alter it.
 */
function keyProblems(key: string, parentKey: string | undefined): string[] {
  const problems: string[] = [];
  if (key.startsWith("$")) problems.push("must not start with '$' (MongoDB operator syntax)");
  if (key.includes(".")) problems.push("must not contain '.' (MongoDB path separator)");
  if (key.includes("\u0000")) problems.push("must not contain the NUL character");
  if (key === "__proto__") problems.push("must not be '__proto__' (prototype pollution)");
  if (key === "prototype" && parentKey === "constructor") {
    problems.push("must not be 'prototype' inside a 'constructor' object (prototype pollution)");
  }
  const bad = findForbiddenCharacter(key, "unicode");
  if (bad !== undefined) problems.push(`must be valid Unicode text (it contains ${bad})`);
  return problems;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

class Collector {
  readonly listed: Violation[] = [];
  omitted = 0;
  add(field: string, message: string): void {
    if (this.listed.length < maxJsonViolationsListed) this.listed.push(violation(field, message));
    else this.omitted++;
  }
}

function walk(value: unknown, path: string, depth: number, parentKey: string | undefined, out: Collector): void {
  switch (typeof value) {
    case "boolean":
      return;
    case "string": {
      // Only unpaired surrogates are rejected: every other character is data.
      const bad = findForbiddenCharacter(value, "unicode");
      if (bad !== undefined) {
        out.add(path, `must be valid Unicode text: it contains ${bad}, which cannot be stored`);
      }
      return;
    }
    case "number":
      if (!Number.isFinite(value)) out.add(path, "must be a finite number (NaN and Infinity are not JSON)");
      return;
    case "object":
      break;
    default:
      out.add(path, `must be a JSON value (string, number, boolean, null, object or array), not ${typeof value}`);
      return;
  }
  if (value === null) return;
  if (depth > maxJsonDepth) {
    out.add(path, `is nested too deeply: at most ${maxJsonDepth} levels of objects and arrays are allowed`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => walk(item, `${path}[${i}]`, depth + 1, undefined, out));
    return;
  }
  if (!isPlainObject(value)) {
    out.add(path, "must be a plain JSON object");
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = keyPath(path, key);
    const problems = keyProblems(key, parentKey);
    if (problems.length > 0) out.add(at, `key ${quoteForMessage(key)} ${problems.join("; ")}`);
    walk(item, at, depth + 1, key, out);
  }
}

/** UTF-8 size of the JSON text, or undefined when the value cannot be serialised at all. */
function serializedBytes(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : Buffer.byteLength(text, "utf8");
  } catch {
    // Cycles, BigInt or a stack overflow: the walk has reported the cause.
    return undefined;
  }
}

/**
 * Validates one free-form JSON object (traits, admin_metadata, metadata).
 * `undefined` means "not set" and is valid. Returns every violation found
 * (up to {@link maxJsonViolationsListed} detailed ones plus a summary); the
 * value itself is never modified.
 */
export function validateJsonObject(value: unknown, path: string): Violation[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const what = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    return [violation(path, `must be a JSON object ({...}), not ${what}`)];
  }
  const out = new Collector();
  walk(value, path, 1, undefined, out);
  const violations = out.listed;
  if (out.omitted > 0) {
    violations.push(
      violation(path, `has ${out.omitted} more invalid keys or values not listed here (only the first ${maxJsonViolationsListed} are)`),
    );
  }
  const bytes = serializedBytes(value);
  if (bytes !== undefined && bytes > maxJsonBytes) {
    violations.push(
      violation(path, `is too large: ${bytes} bytes as UTF-8 JSON, at most ${maxJsonBytes} bytes (64 KiB) are allowed`),
    );
  }
  return violations;
}
