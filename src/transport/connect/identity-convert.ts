// Conversions between the protobuf Identity and the domain Identity, both
// directions driven by the field table (src/domain/identity-fields.ts): a
// row's key is the protobuf-es local name of its proto field, so a field
// added to the proto and the table converts without an edit here. Kept apart
// from the handlers so both stay short (ZITADEL style).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { IdentitySchema, type Identity as IdentityMessage } from "../../../gen/avnology/identity/v1/identity_pb.js";
import { etagOf } from "../../domain/etag.js";
import type { Identity, IdentityFields, ValidIdentityFields } from "../../domain/identity.js";
import { identityFields, writableIdentityFields } from "../../domain/identity-fields.js";

/**
 * The client-writable fields of a request's identity. Values are taken as
 * they are (an unknown state included): validation reports them.
 */
export function identityFieldsFromMessage(message: IdentityMessage | undefined): IdentityFields {
  const m = (message ?? create(IdentitySchema)) as unknown as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const row of writableIdentityFields) fields[row.key] = m[row.key];
  return fields as IdentityFields;
}

export interface IdentityView {
  /** Only tenant-wide admin callers see the fields that are admin-only to read (admin_metadata). */
  readonly includeAdminMetadata: boolean;
}

/** A stored identity, or (validate_only) the identity that would be created: no id, no timestamps. */
export type IdentityLike = ValidIdentityFields &
  Partial<Pick<Identity, "id" | "createdAt" | "updatedAt" | "createdBy" | "updatedBy" | "version">>;

/** BATCH_RESULT_VIEW_ID: only the id and etag ("" for the identity validate_only would create). */
export function identityIdMessage(identity: IdentityLike): MessageInitShape<typeof IdentitySchema> {
  return { id: identity.id ?? "", etag: identity.version === undefined ? "" : etagOf(identity.version) };
}

export function identityToMessage(identity: IdentityLike, view: IdentityView): MessageInitShape<typeof IdentitySchema> {
  const source = identity as unknown as Record<string, unknown>;
  const message: Record<string, unknown> = {};
  for (const row of identityFields) {
    const value = source[row.key];
    if (row.access === "concurrency_token") {
      message[row.key] = identity.version === undefined ? "" : etagOf(identity.version);
    } else if (row.adminOnly === "read_write" && !view.includeAdminMetadata) {
      message[row.key] = undefined;
    } else if (row.kind === "timestamp") {
      message[row.key] = value instanceof Date ? timestampFromDate(value) : undefined;
    } else {
      // Output-only strings are absent before the identity exists (validate_only).
      message[row.key] = value ?? (row.kind === "string" ? "" : undefined);
    }
  }
  return message as MessageInitShape<typeof IdentitySchema>;
}
