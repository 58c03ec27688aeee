// Checks a decoded JSON request against the request's protobuf schema before
// protobuf-es parses it, so that every unknown key and wrong type is reported
// at once with the field path the client used (proto names: identity.email),
// instead of protobuf-es's first-error-only message.
import { fromJson, ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { DurationSchema, TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { Violation } from "../../domain/errors.js";

/** Well-known types whose JSON form is not an object of fields. */
const jsonShapedWkt: Record<string, (v: unknown) => boolean> = {
  "google.protobuf.Struct": (v) => isPlainObject(v),
  "google.protobuf.Value": () => true,
  "google.protobuf.ListValue": (v) => Array.isArray(v),
  // Checked here, not left to protobuf-es: its message names no field.
  "google.protobuf.Timestamp": (v) => typeof v === "string" && decodes(TimestampSchema, v),
  "google.protobuf.Duration": (v) => typeof v === "string" && decodes(DurationSchema, v),
  "google.protobuf.FieldMask": (v) => typeof v === "string",
  "google.protobuf.Empty": (v) => isPlainObject(v),
};

export function jsonShapeViolations(schema: DescMessage, json: unknown, path = ""): Violation[] {
  if (!isPlainObject(json)) return [violation(path || "body", "must be a JSON object")];
  const out: Violation[] = [];
  for (const [key, value] of Object.entries(json)) {
    const field = schema.fields.find((f) => f.name === key || f.jsonName === key);
    const fieldPath = path ? `${path}.${key}` : key;
    if (!field) {
      out.push(violation(fieldPath, "is not a known field"));
      continue;
    }
    if (value === null) continue; // proto3 JSON: null means the default
    out.push(...fieldViolations(field, value, path ? `${path}.${field.name}` : field.name));
  }
  return out;
}

function fieldViolations(field: DescField, value: unknown, path: string): Violation[] {
  switch (field.fieldKind) {
    case "scalar":
      return scalarOk(field.scalar, value) ? [] : [violation(path, `must be ${scalarName(field.scalar)}`)];
    case "enum":
      return typeof value === "string" || Number.isInteger(value) ? [] : [violation(path, "must be an enum name")];
    case "message":
      return messageViolations(field.message, value, path);
    case "list": {
      if (!Array.isArray(value)) return [violation(path, "must be an array")];
      return value.flatMap((item, i) => {
        const itemPath = `${path}[${i}]`;
        if (field.listKind === "scalar") return scalarOk(field.scalar, item) ? [] : [violation(itemPath, `must be ${scalarName(field.scalar)}`)];
        if (field.listKind === "message") return messageViolations(field.message, item, itemPath);
        return typeof item === "string" || Number.isInteger(item) ? [] : [violation(itemPath, "must be an enum name")];
      });
    }
    case "map":
      return isPlainObject(value) ? [] : [violation(path, "must be a JSON object")];
  }
}

function messageViolations(message: DescMessage, value: unknown, path: string): Violation[] {
  const wkt = jsonShapedWkt[message.typeName];
  if (wkt) return wkt(value) ? [] : [violation(path, `must be ${wktName(message.typeName)}`)];
  return jsonShapeViolations(message, value, path);
}

function scalarOk(type: ScalarType, value: unknown): boolean {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return typeof value === "string";
    case ScalarType.BOOL:
      return typeof value === "boolean";
    default:
      // proto3 JSON accepts numbers and numeric strings for every numeric type.
      return typeof value === "number" || (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)));
  }
}

function scalarName(type: ScalarType): string {
  if (type === ScalarType.STRING) return "a string";
  if (type === ScalarType.BYTES) return "a base64 string";
  if (type === ScalarType.BOOL) return "a boolean";
  return "a number";
}

function wktName(typeName: string): string {
  if (typeName === "google.protobuf.Timestamp") return "an RFC 3339 timestamp string (e.g. 2026-01-31T12:00:00Z)";
  if (typeName === "google.protobuf.Duration") return "a duration string in seconds (e.g. 3.5s)";
  if (typeName === "google.protobuf.Struct" || typeName === "google.protobuf.Empty") return "a JSON object";
  if (typeName === "google.protobuf.ListValue") return "a JSON array";
  return "a string";
}

function violation(field: string, message: string): Violation {
  return { field, code: "AVNOLOGY_AUTH_902", message };
}

function decodes(schema: DescMessage, value: string): boolean {
  try {
    fromJson(schema, value);
    return true;
  } catch {
    return false;
  }
}

/** True for an RFC 3339 string that protobuf-es reads as a google.protobuf.Timestamp. */
export function isTimestampString(value: string): boolean {
  return decodes(TimestampSchema, value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
