// Corrects the OpenAPI document that protoc-gen-openapi writes from the
// google.api.http annotations, so it says what the REST gateway really does.
// The plugin knows only the annotations: it answers 200 everywhere, has no
// error bodies, no headers, no authentication, and types unset message fields
// as non-nullable although the gateway renders them as JSON null.
//
// Every correction is read from the same code the gateway runs (routes and
// their success statuses, the error catalogue) or from the descriptors, so the
// document cannot say something the gateway does not do.
import type { DescMessage, DescService } from "@bufbuild/protobuf";
import { catalogue, type ErrorCode } from "../../src/domain/errors.js";
import { routesFromServices, type RestRoute } from "../../src/transport/rest/routes.js";

type Json = Record<string, unknown>;
export type OpenApiDocument = Json & { paths: Record<string, Record<string, Json>>; components?: Json };

const errorSchemaRef = { $ref: "#/components/schemas/Error" };

/** Returns a corrected copy of `raw`; `services` are the services the gateway serves. */
export function correctOpenApi(raw: OpenApiDocument, services: readonly DescService[]): OpenApiDocument {
  const doc = structuredClone(raw);
  const routes = routesFromServices(services);
  const components = (doc.components ??= {}) as Json;
  const schemas = ((components["schemas"] as Json | undefined) ?? (components["schemas"] = {})) as Record<string, Json>;

  markNullableMessageFields(schemas, services);
  schemas["Error"] = errorSchema();
  components["responses"] = errorResponses();
  components["headers"] = sharedHeaders();
  components["parameters"] = sharedParameters();
  components["securitySchemes"] = {
    bearerAuth: {
      type: "http",
      scheme: "bearer",
      description: "An API key (`ak_live_...`), an OAuth access token (JWT), or the bootstrap key (creates tenants only).",
    },
  };
  doc["security"] = [{ bearerAuth: [] }];

  const documented = new Set<string>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [verb, operation] of Object.entries(operations)) {
      const route = routes.find((r) => operationIdOf(r) === operation["operationId"]);
      if (route === undefined) throw new Error(`${verb.toUpperCase()} ${path}: no gateway route answers ${String(operation["operationId"])}`);
      correctOperation(operation, route);
      documented.add(operationIdOf(route));
    }
  }
  const missing = routes.filter((r) => !documented.has(operationIdOf(r)));
  if (missing.length > 0) throw new Error(`routes missing from the document: ${missing.map(operationIdOf).join(", ")}`);
  return doc;
}

function operationIdOf(route: RestRoute): string {
  return `${route.service.name}_${route.method.name}`;
}

function correctOperation(operation: Json, route: RestRoute): void {
  const responses = operation["responses"] as Record<string, Json>;
  const ok = responses["200"];
  if (ok === undefined) throw new Error(`${operationIdOf(route)}: the plugin wrote no 200 response`);
  const input = route.method.input;
  const output = route.method.output;
  const idempotent = hasField(input, "request_id");

  const success: Json = { ...ok, headers: { ...(ok["headers"] as Json | undefined) } };
  const successHeaders = success["headers"] as Json;
  if (hasField(output, "etag")) successHeaders["ETag"] = { $ref: "#/components/headers/ETag" };
  if (idempotent) successHeaders["Idempotent-Replayed"] = { $ref: "#/components/headers/Idempotent-Replayed" };
  if (Object.keys(successHeaders).length === 0) delete success["headers"];

  delete responses["200"];
  if (route.successStatus === 204) {
    const { content: _none, ...noBody } = success;
    responses["204"] = { ...noBody, description: "Done; no body." };
  } else if (route.successStatus === 201) {
    responses["201"] = { ...success, description: "Created." };
    // AIP-163: validate_only creates nothing, so it answers 200 (rest-handler.ts).
    if (hasField(input, "validate_only")) responses["200"] = { ...success, description: "validate_only: every check passed; nothing was created." };
  } else {
    responses[String(route.successStatus)] = success;
  }
  for (const status of errorStatuses()) responses[String(status)] = { $ref: `#/components/responses/Error${status}` };

  const parameters = ((operation["parameters"] as Json[] | undefined) ?? []).slice();
  if (idempotent) parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });
  if (hasField(input, "etag") || (route.body !== "" && route.body !== "*" && hasField(input.fields.find((f) => f.name === route.body)?.message, "etag"))) {
    parameters.push({ $ref: "#/components/parameters/IfMatch" });
  }
  if (parameters.length > 0) operation["parameters"] = parameters;
}

function hasField(message: DescMessage | undefined, name: string): boolean {
  return message?.fields.some((f) => f.name === name) ?? false;
}

/**
 * The gateway renders an unset message field (a timestamp, a nested message,
 * a Struct) as JSON null (src/transport/rest/render.ts): such properties are
 * nullable. Schemas are matched to messages by name, as the plugin names them.
 */
function markNullableMessageFields(schemas: Record<string, Json>, services: readonly DescService[]): void {
  for (const message of messagesOf(services)) {
    const properties = schemas[message.name]?.["properties"] as Record<string, Json> | undefined;
    if (properties === undefined) continue;
    for (const field of message.fields) {
      if (field.fieldKind !== "message" || field.oneof !== undefined) continue;
      const property = properties[field.name];
      if (property === undefined) continue;
      // A field without a comment comes as a bare $ref, beside which nothing
      // may stand: wrapped in an allOf like the commented ones.
      if (typeof property["$ref"] === "string") {
        property["allOf"] = [{ $ref: property["$ref"] }];
        delete property["$ref"];
      }
      property["nullable"] = true;
      // OpenAPI 3.0 reads `nullable` only beside a `type`; the plugin writes a
      // nested message as a bare allOf-$ref.
      property["type"] ??= "object";
    }
  }
}

function messagesOf(services: readonly DescService[]): DescMessage[] {
  const seen = new Map<string, DescMessage>();
  const visit = (message: DescMessage) => {
    if (seen.has(message.typeName) || message.typeName.startsWith("google.")) return;
    seen.set(message.typeName, message);
    for (const field of message.fields) if (field.message) visit(field.message);
  };
  for (const service of services) for (const method of service.methods) (visit(method.input), visit(method.output));
  return [...seen.values()];
}

function errorSchema(): Json {
  return {
    type: "object",
    required: ["error"],
    description: "Every failure, on every route: the AVNOLOGY_AUTH_* code, its message and HTTP status, and details.",
    properties: {
      error: {
        type: "object",
        required: ["code", "message", "status", "details"],
        properties: {
          code: { type: "string", enum: Object.keys(catalogue) },
          message: { type: "string" },
          status: { type: "integer", format: "int32" },
          details: {
            type: "object",
            properties: {
              field: { type: "string", description: "The offending field, as the request named it." },
              value: { type: "string", description: "The offending value (never a secret)." },
              violations: {
                type: "array",
                items: {
                  type: "object",
                  required: ["field", "code", "message"],
                  properties: { field: { type: "string" }, code: { type: "string" }, message: { type: "string" } },
                },
              },
              retry_after_seconds: { type: "integer", format: "int32" },
            },
          },
        },
      },
    },
  };
}

/** The distinct HTTP statuses of the catalogue's errors, ascending. */
function errorStatuses(): number[] {
  return [...new Set(Object.values(catalogue).map((e) => e.http))].sort((a, b) => a - b);
}

function errorResponses(): Json {
  const out: Json = {};
  for (const status of errorStatuses()) {
    const codes = (Object.keys(catalogue) as ErrorCode[]).filter((code) => catalogue[code].http === status);
    const headers: Json = {};
    if (status === 401) headers["WWW-Authenticate"] = { required: false, schema: { type: "string" }, description: "Bearer challenge." };
    if (status === 429 || status === 503) headers["Retry-After"] = { $ref: "#/components/headers/Retry-After" };
    out[`Error${status}`] = {
      description: codes.map((code) => `${code}: ${catalogue[code].message}`).join("; "),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      content: { "application/json": { schema: errorSchemaRef } },
    };
  }
  return out;
}

function sharedHeaders(): Json {
  return {
    ETag: { required: false, description: "The resource's etag (AIP-154), quoted; send it back in If-Match.", schema: { type: "string" } },
    "Idempotent-Replayed": {
      required: false,
      description: "`true` when this answer replays the stored outcome of an earlier request with the same Idempotency-Key.",
      schema: { type: "string", enum: ["true"] },
    },
    "Retry-After": { required: false, description: "Seconds to wait before retrying.", schema: { type: "integer" } },
  };
}

function sharedParameters(): Json {
  return {
    IdempotencyKey: {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Makes a retried request safe: the first request with a key runs, a repeat with the same body replays its answer, " +
        "a repeat with another body is 422 AVNOLOGY_AUTH_030, a repeat while the first runs is 409 AVNOLOGY_AUTH_031. " +
        "The same as the body's request_id.",
      schema: { type: "string", maxLength: 255 },
    },
    IfMatch: {
      name: "If-Match",
      in: "header",
      required: false,
      description: "Only change the resource if its etag still matches (else 412 AVNOLOGY_AUTH_050).",
      schema: { type: "string" },
    },
  };
}
