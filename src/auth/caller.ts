// Who is calling: resolved once per request from its credentials, then passed
// to services as a plain argument.
//
// The grantable scopes are declared in the contract, not here: the Scope enum
// of proto/avnology/identity/v1/options.proto, each value spelt by its
// `scope_name` option. This module only reads that list from the generated
// descriptor.
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Scope as DeclaredScope, ScopeSchema, scope_name } from "../../gen/avnology/identity/v1/options_pb.js";

export { DeclaredScope };

/** A scope as keys and tokens spell it ("admin:users:write"); one of `scopes`. */
export type Scope = string;

/** The scope name of a declared Scope enum value. */
export function scopeName(scope: DeclaredScope): Scope {
  const value = ScopeSchema.value[scope];
  if (value === undefined || !hasOption(value, scope_name) || getOption(value, scope_name) === "") {
    throw new Error(`Scope ${DeclaredScope[scope] ?? scope} has no (avnology.identity.v1.scope_name) option`);
  }
  return getOption(value, scope_name);
}

/** Every grantable scope, in the order the contract declares them. */
export const scopes: readonly Scope[] = Object.freeze(
  ScopeSchema.values.filter((v) => v.number !== DeclaredScope.UNSPECIFIED).map((v) => scopeName(v.number)),
);

const known: ReadonlySet<string> = new Set(scopes);

export type CallerKind = "api_key" | "oauth" | "bootstrap";

export interface Caller {
  readonly kind: CallerKind;
  /**
   * Who is calling, namespaced by credential kind so that no two kinds can
   * name the same caller: `key_<uuid>` (API key id), `bootstrap`, or
   * `oauth:<sub>` (access token). Scopes idempotency keys and rate-limit
   * buckets; recorded as created_by / updated_by.
   */
  readonly subject: string;
  /** The tenant everything this caller does belongs to; "" for the bootstrap key. */
  readonly tenantId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** Set when the caller is bound to one organization of its tenant. */
  readonly organizationId?: string;
}

export function isScope(value: string): value is Scope {
  return known.has(value);
}
