// The scope step of the method pipeline: every RPC declares the scope it
// requires in the contract (`option (avnology.identity.v1.required_scope)`,
// proto/avnology/identity/v1/options.proto), and this step checks it for
// every call on every transport, right after the caller is resolved and
// before rate limits and idempotency (so a caller without the scope never
// spends a budget, and an idempotent replay is never answered to it).
//
// Deny by default: an RPC of our services without the option cannot be
// registered (registerService throws at start-up). The standard gRPC health
// and reflection services are exempt: they carry no caller and are served
// outside this unary pipeline.
import { getOption, hasOption, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import { Scope as DeclaredScope, required_scope } from "../../../gen/avnology/identity/v1/options_pb.js";
import { scopeName, type Caller, type Scope } from "../../auth/caller.js";
import { requireFieldScope, requireScope } from "../../auth/permissions.js";
import { hasGatedFields, setGatedFields } from "../contract/field-scopes.js";

/** Services that answer without a caller and so need no scope. */
export const exemptServices: ReadonlySet<string> = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

export function isExemptService(service: DescService): boolean {
  return exemptServices.has(service.typeName);
}

/** The scope an RPC requires, from its descriptor; throws when it declares none. */
export function requiredScopeOf(method: DescMethod): Scope {
  const declared = hasOption(method, required_scope) ? getOption(method, required_scope) : DeclaredScope.UNSPECIFIED;
  if (declared === DeclaredScope.UNSPECIFIED) {
    throw new Error(
      `${method.parent.typeName}.${method.name} declares no scope: every RPC needs ` +
        "`option (avnology.identity.v1.required_scope) = SCOPE_...;` (proto/avnology/identity/v1/options.proto)",
    );
  }
  return scopeName(declared);
}

/**
 * The check of one RPC, built once at registration (where a missing option
 * throws). It refuses with 403 AVNOLOGY_AUTH_100 a caller without the scope,
 * and the bootstrap key with 400 AVNOLOGY_AUTH_101 on anything but key
 * creation (src/auth/permissions.ts requireScope); then, for each request
 * field set that declares a `field_required_scope` (src/transport/contract/
 * field-scopes.ts), 403 AVNOLOGY_AUTH_100 naming the field unless the caller
 * holds that scope too. Undefined for an exempt service.
 */
export function scopeStep(method: DescMethod): ((caller: Caller, request?: Message) => void) | undefined {
  if (isExemptService(method.parent)) return undefined;
  const scope = requiredScopeOf(method);
  if (!hasGatedFields(method.input)) return (caller) => requireScope(caller, scope);
  return (caller, request) => {
    requireScope(caller, scope);
    if (request === undefined) return;
    for (const gated of setGatedFields(method.input, request)) requireFieldScope(caller, gated.field, gated.scope);
  };
}
