// Builds the protobuf request of a REST call from its body, path variables
// and query parameters (grpc-gateway rules: the body fills `body`, path
// variables their fields, query parameters any remaining field by name).
import { fromJson, ScalarType, type DescField, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import { AppError, resourceField, type Violation } from "../../domain/errors.js";
import { implicitUpdateMask } from "./implicit-mask.js";
import { isPlainObject, jsonShapeViolations } from "./json-shape.js";
import type { RestRoute } from "./routes.js";

export interface RestInput {
  readonly route: RestRoute;
  readonly pathParams: ReadonlyMap<string, string>;
  readonly query: URLSearchParams;
  /** The parsed JSON body, or undefined when the request had none. */
  readonly body: unknown;
}

export function bindRequest(input: RestInput): Message {
  const { route } = input;
  const schema = route.method.input;
  const violations: Violation[] = [];
  let json: Record<string, unknown> = {};

  if (route.body === "*") {
    if (input.body !== undefined) {
      if (!isPlainObject(input.body)) throw invalid([{ field: "body", code: "AVNOLOGY_AUTH_902", message: "must be a JSON object" }]);
      json = { ...input.body };
    }
  } else if (route.body !== "") {
    const field = findField(schema, route.body);
    if (!field) throw new Error(`${route.method.name}: body field ${route.body} not in request`);
    if (input.body !== undefined) json[field.name] = input.body;
  }
  violations.push(...jsonShapeViolations(schema, json));

  for (const [path, value] of input.pathParams) setPath(json, path, value);

  for (const key of new Set(input.query.keys())) {
    const field = resolveQueryField(schema, key);
    if (!field || route.body === "*" || field.name === route.body) {
      violations.push({ field: key, code: "AVNOLOGY_AUTH_902", message: "is not a known query parameter" });
      continue;
    }
    const values = input.query.getAll(key);
    const converted = queryValue(field, values);
    if (converted === undefined) {
      violations.push({ field: key, code: "AVNOLOGY_AUTH_902", message: "has an invalid value" });
      continue;
    }
    setPath(json, key, converted);
  }
  if (violations.length > 0) throw invalid(violations);
  if (route.body !== "" && route.body !== "*" && !input.query.has("update_mask")) {
    const mask = implicitUpdateMask(schema, route.body, input.body, input.pathParams);
    if (mask !== undefined) json["update_mask"] = mask;
  }

  try {
    return fromJson(schema, json as JsonValue, { ignoreUnknownFields: false });
  } catch (err) {
    // The shape check above catches what a client usually gets wrong; this
    // covers the rest (e.g. a malformed timestamp), naming the field when
    // protobuf-es says which.
    const message = err instanceof Error ? err.message : String(err);
    const field = /field ([\w.]+)/.exec(message)?.[1]?.split(".").pop() ?? "body";
    throw invalid([{ field, code: "AVNOLOGY_AUTH_902", message: "has an invalid value" }]);
  }
}

function invalid(violations: Violation[]): AppError {
  const first = violations[0]!;
  return new AppError("AVNOLOGY_AUTH_902", { field: resourceField(first.field), violations });
}

function findField(schema: DescMessage, name: string): DescField | undefined {
  return schema.fields.find((f) => f.name === name || f.jsonName === name);
}

/** Query keys may name nested fields with dots (`identity.email`). */
function resolveQueryField(schema: DescMessage, key: string): DescField | undefined {
  const parts = key.split(".");
  let current: DescMessage | undefined = schema;
  let field: DescField | undefined;
  for (const part of parts) {
    if (!current) return undefined;
    field = findField(current, part);
    if (!field) return undefined;
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return field;
}

function queryValue(field: DescField, values: string[]): unknown {
  const one = (v: string): unknown => {
    if (field.fieldKind === "message") {
      // FieldMask arrives AIP-style as snake_case paths; its JSON form is lowerCamel.
      if (field.message.typeName === "google.protobuf.FieldMask") return v.split(",").map(snakeToCamel).join(",");
      if (field.message.typeName === "google.protobuf.Timestamp") return v;
      return undefined;
    }
    const scalar = field.fieldKind === "scalar" || field.fieldKind === "list" ? field.scalar : undefined;
    if (scalar === ScalarType.BOOL) return v === "true" ? true : v === "false" ? false : undefined;
    return v;
  };
  if (field.fieldKind === "list") return values.map(one);
  if (values.length !== 1) return undefined;
  return one(values[0]!);
}

function setPath(json: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = json;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (!isPlainObject(next)) target[part] = {};
    target = target[part] as Record<string, unknown>;
  }
  target[parts.at(-1)!] = value;
}

function snakeToCamel(s: string): string {
  return s.trim().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
