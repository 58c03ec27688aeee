// Where an idempotency key comes from and what a valid one looks like. The
// `Idempotency-Key` header (REST, Connect; gRPC metadata `idempotency-key`
// arrives as the same HTTP/2 header) and the request's `request_id` field
// (AIP-155) are two spellings of one key. Reading the field from a request is
// the transport's job (src/transport/contract/request-fields.ts).
import { createHash } from "node:crypto";
import { AppError } from "../../domain/errors.js";

export const idempotencyKeyHeader = "Idempotency-Key";

/** 1–255 printable ASCII characters (space to tilde). */
const validKey = /^[\x20-\x7e]{1,255}$/;

/**
 * The key of a request, or undefined when it carries none. `header` is the
 * header's value (null when absent). Both spellings given and different → 902.
 */
export function resolveIdempotencyKey(header: string | null, requestId: string): string | undefined {
  if (header !== null) {
    if (!validKey.test(header)) throw invalidKey(idempotencyKeyHeader, "must be 1-255 printable ASCII characters");
    if (requestId !== "" && requestId !== header) {
      throw invalidKey(idempotencyKeyHeader, "differs from the request_id field");
    }
    return header;
  }
  if (requestId === "") return undefined;
  if (!validKey.test(requestId)) throw invalidKey("request_id", "must be 1-255 printable ASCII characters");
  return requestId;
}

function invalidKey(field: string, message: string): AppError {
  return new AppError("AVNOLOGY_AUTH_902", {
    field,
    violations: [{ field, code: "AVNOLOGY_AUTH_902", message }],
  });
}

/** Who a key belongs to: the caller as the pipeline resolved it. */
export interface KeyOwner {
  readonly tenantId: string;
  /** Namespaced by credential kind (`key_<uuid>`, `bootstrap`, `oauth:<sub>`): a token can never pose as a key. */
  readonly subject: string;
  /** The organization the caller is bound to; undefined = tenant-wide. */
  readonly organizationId?: string | undefined;
}

/**
 * The record id of a key: its scope is tenant + caller subject + the caller's
 * organization binding + key, hashed to a fixed length. Two tokens of one
 * subject with different organization bindings never share records: an
 * organization-bound token cannot replay what the tenant-wide one created.
 */
export function scopedKeyId(owner: KeyOwner, key: string): string {
  const reach = owner.organizationId === undefined ? "*" : `org:${owner.organizationId}`;
  return createHash("sha256").update(JSON.stringify([owner.tenantId, owner.subject, reach, key])).digest("hex");
}
