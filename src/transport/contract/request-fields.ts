// Readers of the request fields the contract gives a meaning beyond the
// resource: `request_id` (AIP-155, the idempotency key's body spelling),
// `validate_only` (AIP-163 dry run) and `result_view` (AIP-157 partial
// response). Every transport and pipeline step reads
// them here, from the method's request schema, so a new RPC takes part by
// declaring the field in the proto and nothing else.
import { ScalarType, type DescMessage, type Message } from "@bufbuild/protobuf";

/** True when the method takes part in idempotency: its request has `string request_id`. */
export function hasRequestIdField(schema: DescMessage): boolean {
  const field = schema.fields.find((f) => f.name === "request_id");
  return field?.fieldKind === "scalar" && field.scalar === ScalarType.STRING;
}

/** True for a `validate_only` request that asks for a dry run: it neither uses nor consumes a key. */
export function isValidateOnly(schema: DescMessage, request: Message): boolean {
  const field = schema.fields.find((f) => f.name === "validate_only");
  return field !== undefined && (request as unknown as Record<string, unknown>)[field.localName] === true;
}

/** The request's `request_id`, or "" when the method has none or it is unset. */
export function requestIdOf(schema: DescMessage, request: Message): string {
  const field = schema.fields.find((f) => f.name === "request_id");
  if (!field) return "";
  const value = (request as unknown as Record<string, unknown>)[field.localName];
  return typeof value === "string" ? value : "";
}

/**
 * True when the request's `result_view` (an enum) names a partial view: any
 * value but *_UNSPECIFIED and *_FULL. REST then renders the resources of the
 * answer without the fields outside the view, instead of printing them empty.
 */
export function asksPartialView(schema: DescMessage, request: Message): boolean {
  const field = schema.fields.find((f) => f.name === "result_view");
  if (field?.fieldKind !== "enum") return false;
  const value = field.enum.values.find((v) => v.number === (request as unknown as Record<string, unknown>)[field.localName]);
  return value !== undefined && !/_(UNSPECIFIED|FULL)$/.test(value.name);
}
