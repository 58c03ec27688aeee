// Request fields gated by a scope of their own, declared in the contract
// (`[(avnology.identity.v1.field_required_scope) = SCOPE_...]`, see
// proto/avnology/identity/v1/options.proto): e.g. CreateIdentityRequest's
// `password_hash` needs admin:users:import on top of the RPC's scope. Read
// from the descriptors, so a new gated field takes part by declaring the
// option and nothing else. Nested request messages (a batch's items) are
// walked too, except the items of a list declared `field_scopes_per_item`
// (a batch), whose service checks each item and fails that item alone.
import { getOption, hasOption, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { Scope as DeclaredScope, field_required_scope, field_scopes_per_item } from "../../../gen/avnology/identity/v1/options_pb.js";
import { scopeName, type Scope } from "../../auth/caller.js";

/** A set gated field: its proto name and the scope it needs. */
export interface GatedField {
  readonly field: string;
  readonly scope: Scope;
}

/** The scope a field declares, or undefined. */
export function fieldScopeOf(field: DescField): Scope | undefined {
  if (!hasOption(field, field_required_scope)) return undefined;
  const declared = getOption(field, field_required_scope);
  return declared === DeclaredScope.UNSPECIFIED ? undefined : scopeName(declared);
}

const containsGated = new Map<string, boolean>();

/** Whether a message (or any message under it) has a gated field; cached per type. */
export function hasGatedFields(schema: DescMessage, seen: Set<string> = new Set()): boolean {
  const cached = containsGated.get(schema.typeName);
  if (cached !== undefined) return cached;
  if (seen.has(schema.typeName) || schema.typeName.startsWith("google.")) return false;
  seen.add(schema.typeName);
  const result = schema.fields.some(
    (f) => fieldScopeOf(f) !== undefined || (messageOf(f) !== undefined && hasGatedFields(messageOf(f)!, seen)),
  );
  containsGated.set(schema.typeName, result);
  return result;
}

/** The gated fields set (to a non-default value) in a request, in field order, first per field name. */
export function setGatedFields(schema: DescMessage, request: Message): GatedField[] {
  const found = new Map<string, GatedField>();
  if (hasGatedFields(schema)) collect(schema, request as unknown as Record<string, unknown>, found);
  return [...found.values()];
}

function collect(schema: DescMessage, message: Record<string, unknown>, found: Map<string, GatedField>): void {
  for (const field of schema.fields) {
    const value = message[field.localName];
    const scope = fieldScopeOf(field);
    if (scope !== undefined && isSet(value) && !found.has(field.name)) found.set(field.name, { field: field.name, scope });
    const nested = messageOf(field);
    if (nested === undefined || !hasGatedFields(nested)) continue;
    if (field.fieldKind === "list" && hasOption(field, field_scopes_per_item) && getOption(field, field_scopes_per_item)) continue;
    if (field.fieldKind === "list") for (const item of value as Record<string, unknown>[]) collect(nested, item, found);
    else if (value && typeof value === "object") collect(nested, value as Record<string, unknown>, found);
  }
}

function messageOf(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  return undefined;
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === false || value === 0 || value === 0n) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Uint8Array) return value.length > 0;
  return true;
}
