// Builds the protobuf request of a REST call from its body, path variables
// and query parameters (grpc-gateway rules: the body fills `body`, path
// variables their fields, query parameters any remaining field by name, see
// query-params.ts: never one the path or the body binds).
import { fromJson, type DescField, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import { AppError, resourceField, type Violation } from "../../domain/errors.js";
import { implicitUpdateMask } from "./implicit-mask.js";
import { isPlainObject, jsonShapeViolations } from "../contract/json-shape.js";
import { bindQuery } from "./query-params.js";
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

  for (const [path, value] of input.pathParams) setPath(json, schema, path, value);

  // Path variables are set after the body, so the path names the resource
  // even when the body holds another id; the query may set neither.
  const query = bindQuery(route, input.query);
  for (const [path, value] of query.values) setPath(json, schema, path, value);
  if (violations.length + query.violations.length > 0) throw invalid(violations, query.violations);
  if (route.body !== "" && route.body !== "*" && !query.values.has("update_mask")) {
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

/**
 * One 902 listing every problem. `details.field` names the first: a body
 * field as in the resource (`email`), a query parameter exactly as sent
 * (`identity.id`), so a client sees which parameter was refused.
 */
function invalid(bodyViolations: Violation[], queryViolations: readonly Violation[] = []): AppError {
  const field = bodyViolations[0] ? resourceField(bodyViolations[0].field) : queryViolations[0]!.field;
  return new AppError("AVNOLOGY_AUTH_902", { field, violations: [...bodyViolations, ...queryViolations] });
}

function findField(schema: DescMessage, name: string): DescField | undefined {
  return schema.fields.find((f) => f.name === name || f.jsonName === name);
}

/**
 * Sets a field by its proto-name path, dropping the JSON-name spelling of the
 * same field at every level (a body's `identityId` must not outlive the path's
 * `identity_id`: protobuf-es would take whichever key came last).
 */
function setPath(json: Record<string, unknown>, schema: DescMessage, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = json;
  let message: DescMessage | undefined = schema;
  parts.forEach((part, i) => {
    const field: DescField | undefined = message?.fields.find((f) => f.name === part);
    if (field && field.jsonName !== part) delete target[field.jsonName];
    if (i === parts.length - 1) {
      target[part] = value;
      return;
    }
    if (!isPlainObject(target[part])) target[part] = {};
    target = target[part] as Record<string, unknown>;
    message = field?.fieldKind === "message" ? field.message : undefined;
  });
}
