// The identity as the domain sees it: plain data, no I/O, no protobuf.
// Empty strings mean "not set", as in proto3.
import { emailUniquenessKey } from "./validation/email.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const identityStates = ["active", "inactive"] as const;
export type IdentityState = (typeof identityStates)[number];

/** The fields a client may write (create / update). */
export interface IdentityFields {
  email: string;
  username: string;
  firstName: string;
  lastName: string;
  displayName: string;
  phone: string;
  organizationId: string;
  locale: string;
  timezone: string;
  externalId: string;
  traits: JsonObject | undefined;
  adminMetadata: JsonObject | undefined;
  metadata: JsonObject | undefined;
  emailVerified: boolean;
  phoneVerified: boolean;
  /** "" on input means "the default" (active). */
  state: IdentityState | "";
}

/** A stored identity. The password hash never leaves the store and hasher. */
export interface Identity extends IdentityFields {
  id: string;
  tenantId: string;
  state: IdentityState;
  createdAt: Date;
  updatedAt: Date | null;
  createdBy: string;
  updatedBy: string;
  /** Incremented on every write; the etag is derived from it. */
  version: number;
}

/** Lookup keys that make email / username / external_id unique per tenant (email: see emailUniquenessKey). */
export function normalizeEmail(email: string): string {
  return emailUniquenessKey(email);
}

/** The part before the last "@" ("" when there is none); the password policy checks against it. */
export function emailLocalPart(email: string): string {
  const at = email.lastIndexOf("@");
  return at > 0 ? email.slice(0, at) : "";
}

export function normalizeUsername(username: string): string {
  return username.normalize("NFC").toLowerCase();
}

export function emptyIdentityFields(): IdentityFields {
  return {
    email: "",
    username: "",
    firstName: "",
    lastName: "",
    displayName: "",
    phone: "",
    organizationId: "",
    locale: "",
    timezone: "",
    externalId: "",
    traits: undefined,
    adminMetadata: undefined,
    metadata: undefined,
    emailVerified: false,
    phoneVerified: false,
    state: "",
  };
}
