// JSON rendering for REST: responses with snake_case names, defaults printed
// and unset message fields as null (`"updated_at": null`), and errors in the
// spec's shape {"error": {code, message, status, details}}.
import { isFieldSet, toJson, type DescMessage, type JsonObject, type Message } from "@bufbuild/protobuf";
import type { AppError } from "../../domain/errors.js";

/** A batch item's error details (ItemError in identity_service.proto): the shape renderError writes. */
const itemErrorDetailsType = "avnology.identity.v1.ItemErrorDetails";
/** A batch item's error: rendered whole whatever the view (the view is about the resource). */
const itemErrorType = "avnology.identity.v1.ItemError";

export interface RenderOptions {
  /**
   * The request asked for a partial view (result_view, AIP-157): a batch
   * result's resource holds only the view's fields and renders only those
   * that are set, rather than every other field empty.
   */
  readonly partialView?: boolean;
}

export function renderMessage(schema: DescMessage, message: Message, options: RenderOptions = {}): JsonObject {
  const json = toJson(schema, message, { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject;
  return withNulls(schema, message, json, options);
}

/** Rebuilds the object in field order, with null for unset message fields. */
function withNulls(schema: DescMessage, message: Message, json: JsonObject, options: RenderOptions): JsonObject {
  const out: JsonObject = {};
  for (const field of schema.fields) {
    const value = json[field.name];
    if (schema.typeName === itemErrorDetailsType && field.fieldKind === "list" && Array.isArray(value) && value.length === 0) {
      continue; // as renderError: violations only when there are some
    }
    if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(value)) {
      // Repeated resources (list responses) render like single ones.
      const items = (message as unknown as Record<string, Message[]>)[field.localName]!;
      out[field.name] = value.map((item, i) =>
        isJsonObject(item) && !field.message.typeName.startsWith("google.protobuf.") ? withNulls(field.message, items[i]!, item, options) : item,
      );
      continue;
    }
    if (field.fieldKind === "message" && field.oneof && isJsonObject(value) && !field.message.typeName.startsWith("google.protobuf.")) {
      // A set message member of a oneof (a batch result's identity or error) renders like a single one.
      const oneof = (message as unknown as Record<string, { case?: string; value?: Message }>)[field.oneof.localName];
      if (oneof?.case !== field.localName || !oneof.value) continue;
      out[field.name] = options.partialView && field.message.typeName !== itemErrorType
        ? (toJson(field.message, oneof.value, { useProtoFieldName: true }) as JsonObject)
        : withNulls(field.message, oneof.value, value, options);
      continue;
    }
    if (field.fieldKind !== "message" || field.oneof) {
      if (value !== undefined) out[field.name] = value;
      continue;
    }
    if (!isFieldSet(message, field)) {
      out[field.name] = null;
    } else if (!field.message.typeName.startsWith("google.protobuf.") && value && typeof value === "object" && !Array.isArray(value)) {
      out[field.name] = withNulls(field.message, (message as unknown as Record<string, Message>)[field.localName]!, value, options);
    } else {
      out[field.name] = value ?? null;
    }
  }
  return out;
}

export function renderError(err: AppError): JsonObject {
  const { details } = err;
  const body: JsonObject = {};
  if (details.field !== undefined) body["field"] = details.field;
  if (details.value !== undefined) body["value"] = details.value;
  if (details.violations && details.violations.length > 0) {
    body["violations"] = details.violations.map((v) => ({ field: v.field, code: v.code, message: v.message }));
  }
  if (details.retryAfterSeconds !== undefined) body["retry_after_seconds"] = details.retryAfterSeconds;
  return { error: { code: err.code, message: err.message, status: err.entry.http, details: body } };
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
