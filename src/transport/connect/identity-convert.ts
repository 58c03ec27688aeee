// Conversions between the protobuf Identity and the domain Identity. Kept
// apart from the handlers so both stay short (ZITADEL style).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { IdentitySchema, type Identity as IdentityMessage } from "../../../gen/avnology/identity/v1/identity_pb.js";
import { etagOf } from "../../domain/etag.js";
import type { Identity, IdentityFields, IdentityState } from "../../domain/identity.js";

export function identityFieldsFromMessage(message: IdentityMessage | undefined): IdentityFields {
  const m = message ?? create(IdentitySchema);
  return {
    email: m.email,
    username: m.username,
    firstName: m.firstName,
    lastName: m.lastName,
    displayName: m.displayName,
    phone: m.phone,
    organizationId: m.organizationId,
    locale: m.locale,
    timezone: m.timezone,
    externalId: m.externalId,
    traits: m.traits,
    adminMetadata: m.adminMetadata,
    metadata: m.metadata,
    emailVerified: m.emailVerified,
    phoneVerified: m.phoneVerified,
    // Checked by validation; an unknown value is reported there, not here.
    state: m.state as IdentityState | "",
  };
}

export interface IdentityView {
  /** Only tenant-wide admin callers see admin_metadata. */
  readonly includeAdminMetadata: boolean;
}

/** A stored identity, or (validate_only) the identity that would be created: no id, no timestamps. */
export type IdentityLike = IdentityFields & Partial<Pick<Identity, "id" | "createdAt" | "updatedAt" | "createdBy" | "updatedBy" | "version">>;

export function identityToMessage(identity: IdentityLike, view: IdentityView): MessageInitShape<typeof IdentitySchema> {
  return {
    id: identity.id ?? "",
    email: identity.email,
    username: identity.username,
    firstName: identity.firstName,
    lastName: identity.lastName,
    displayName: identity.displayName,
    phone: identity.phone,
    organizationId: identity.organizationId,
    locale: identity.locale,
    timezone: identity.timezone,
    externalId: identity.externalId,
    traits: identity.traits,
    adminMetadata: view.includeAdminMetadata ? identity.adminMetadata : undefined,
    metadata: identity.metadata,
    emailVerified: identity.emailVerified,
    phoneVerified: identity.phoneVerified,
    state: identity.state === "" ? "active" : identity.state,
    createdAt: identity.createdAt ? timestampFromDate(identity.createdAt) : undefined,
    updatedAt: identity.updatedAt ? timestampFromDate(identity.updatedAt) : undefined,
    createdBy: identity.createdBy ?? "",
    updatedBy: identity.updatedBy ?? "",
    etag: identity.version === undefined ? "" : etagOf(identity.version),
  };
}
