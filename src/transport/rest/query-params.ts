// Query parameters of a REST call → request fields (grpc-gateway rules: a
// parameter names any field by its proto or JSON name, nested with dots:
// `update_mask`, `updateMask`, `identity.email`).
//
// What the path or the body binds is not the query's to set. grpc-gateway
// applies query parameters after path variables, so
// `DELETE /v1/identities/A?id=B` would delete B while anything in front of the
// service (authorization, audit, caches keyed by path) saw A. Here a parameter
// that names a bound field, a field inside one (`identity.id` when the body is
// `identity`) or a message around one answers 902 naming the parameter exactly
// as sent; with body "*" every field is the body's.
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import type { Violation } from "../../domain/errors.js";
import { isTimestampString } from "../contract/json-shape.js";
import type { RestRoute } from "./routes.js";

export interface BoundQuery {
  /** Values to set, keyed by the field's proto-name path (`identity.email`). */
  readonly values: ReadonlyMap<string, unknown>;
  /** Problems, each naming the parameter as the client sent it. */
  readonly violations: readonly Violation[];
}

export function bindQuery(route: RestRoute, query: URLSearchParams): BoundQuery {
  const schema = route.method.input;
  const pathBound = route.template.variables.map((v) => canonicalPath(schema, v.fieldPath) ?? v.fieldPath);
  const bodyBound = route.body === "" || route.body === "*" ? undefined : canonicalPath(schema, route.body) ?? route.body;
  const values = new Map<string, unknown>();
  const spelledAs = new Map<string, string>();
  const violations: Violation[] = [];
  const refuse = (key: string, message: string) => violations.push({ field: key, code: "AVNOLOGY_AUTH_902", message });

  for (const key of new Set(query.keys())) {
    const fields = resolveFieldPath(schema, key);
    if (!fields) {
      refuse(key, "is not a known query parameter");
      continue;
    }
    const path = fields.map((f) => f.name).join(".");
    if (pathBound.some((bound) => overlaps(path, bound))) {
      refuse(key, "is set by the request path and cannot be given as a query parameter");
      continue;
    }
    if (route.body === "*" || (bodyBound !== undefined && overlaps(path, bodyBound))) {
      refuse(key, "is set by the request body and cannot be given as a query parameter");
      continue;
    }
    const earlier = spelledAs.get(path);
    if (earlier !== undefined) {
      refuse(key, `sets the same field as the query parameter ${earlier}`);
      continue;
    }
    spelledAs.set(path, key);
    const converted = queryValue(fields.at(-1)!, query.getAll(key));
    if (converted === undefined) {
      refuse(key, "has an invalid value");
      continue;
    }
    values.set(path, converted);
  }
  return { values, violations };
}

/** `identity.id` and `identity` overlap (one holds the other); `identity.id` and `identity.email` do not. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** The proto-name path of a dotted field path in proto or JSON names, or undefined when it names no field. */
export function canonicalPath(schema: DescMessage, dotted: string): string | undefined {
  return resolveFieldPath(schema, dotted)?.map((f) => f.name).join(".");
}

function resolveFieldPath(schema: DescMessage, dotted: string): DescField[] | undefined {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = schema;
  for (const part of dotted.split(".")) {
    // Only singular message fields have fields of their own to name.
    const field: DescField | undefined = current?.fields.find((f) => f.name === part || f.jsonName === part);
    if (!field) return undefined;
    fields.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return fields;
}

function queryValue(field: DescField, values: string[]): unknown {
  const one = (v: string): unknown => {
    if (field.fieldKind === "message") {
      // FieldMask arrives AIP-style as snake_case paths; its JSON form is lowerCamel.
      if (field.message.typeName === "google.protobuf.FieldMask") return v.split(",").map(snakeToCamel).join(",");
      if (field.message.typeName === "google.protobuf.Timestamp") return isTimestampString(v) ? v : undefined;
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

function snakeToCamel(s: string): string {
  return s.trim().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
