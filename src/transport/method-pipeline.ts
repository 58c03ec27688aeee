// What runs around every RPC on every transport (gRPC, gRPC-Web, Connect and
// REST, which calls the same wrapped implementations): resolve the caller
// once, check the scope the RPC declares, apply its rate limits, honour its idempotency key, run the method,
// turn any failure into the catalogue's error, log it. Rate limits and
// idempotency are driven by the contract (a `request_id` field, password
// fields), so every method registered here gets them without its own code.
// Kept as a wrapper of the implementations rather than a Connect interceptor
// so the REST transcoder, which invokes implementations directly, gets the
// very same behaviour.
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Caller } from "../auth/caller.js";
import type { RateLimitConfig } from "../config/config.js";
import { AppError } from "../domain/errors.js";
import { hasRequestIdField } from "./contract/request-fields.js";
import { idempotencyStep, type IdempotencyDeps, type ReplayResponse, type ReplayRule } from "./pipeline/idempotency-step.js";
import type { RateLimiter } from "../reliability/rate-limit/limiter.js";
import { rateLimitStep } from "./pipeline/rate-limit-step.js";
import { callerKey } from "./caller-context.js";
import { clientAddressOf } from "./client-address.js";
import { appErrorOf, toConnectError } from "./error-connect.js";
import { refuseNulStrings } from "./contract/nul-strings.js";
import { scopeStep } from "./pipeline/scope-step.js";

export interface CallerResolver {
  resolve(request: { headers: Headers; clientAddress: string }): Promise<Caller>;
}

export interface PipelineDeps {
  readonly callers: CallerResolver;
  readonly logger: Logger;
  /** Omitted: no rate limits (unit tests of other steps). */
  readonly rateLimits?: { readonly limiter: RateLimiter; readonly config: RateLimitConfig };
  /** Omitted: idempotency keys are ignored. */
  readonly idempotency?: IdempotencyDeps;
  /**
   * The request log (src/observability/request-observer.ts): told the caller
   * and any failure, it writes the request's one log line. Omitted: failures
   * are logged here.
   */
  readonly requestFacts?: {
    caller(headers: Headers, caller: Caller): void;
    failed(headers: Headers, error: AppError, cause: unknown): void;
  };
}

/**
 * Per-service options of registerService.
 *
 * `replayResponse`, by method localName (e.g. `createApiKey`): turns the
 * stored response of an idempotent call into what a replay answers. Stored
 * responses never hold secrets (fields marked `[debug_redact = true]` in the
 * output message are cleared before storing), so a replayed CreateApiKey
 * would answer an empty secret; the hook can say instead that the secret was
 * shown once, e.g. `{ createApiKey: (m) => ({ ...m, secretAlreadyShown: true }) }`.
 */
export interface RegisterServiceOptions {
  readonly replayResponse?: Partial<Record<string, ReplayResponse>>;
  /**
   * `replayRules`, by method localName: who may receive a replay of the
   * method's stored answers (see ReplayRule). Required for every method that
   * takes an idempotency key when idempotency is on: without one the service
   * is refused at registration (deny by default).
   */
  readonly replayRules?: Partial<Record<string, ReplayRule>>;
}

/** A service and its (wrapped) implementation, as registered on every transport. */
export interface ServiceRegistration {
  readonly service: DescService;
  readonly impl: Record<string, (request: never, ctx: HandlerContext) => Promise<unknown>>;
}

type UnaryFn = (request: unknown, ctx: HandlerContext) => Promise<unknown>;

export function registerService<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  deps: PipelineDeps,
  options: RegisterServiceOptions = {},
): ServiceRegistration {
  const wrapped: Record<string, UnaryFn> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary") throw new Error(`${method.name}: only unary methods are supported`);
    const fn = (impl as unknown as Record<string, UnaryFn>)[method.localName];
    if (!fn) throw new Error(`${service.typeName}.${method.name} has no implementation`);
    const rule = options.replayRules?.[method.localName];
    if (deps.idempotency && hasRequestIdField(method.input) && rule === undefined) {
      throw new Error(`${service.typeName}.${method.name} takes an idempotency key but has no replay rule`);
    }
    wrapped[method.localName] = wrapMethod(method, fn.bind(impl), deps, { replayResponse: options.replayResponse?.[method.localName], rule });
  }
  return { service, impl: wrapped };
}

function wrapMethod(
  method: DescMethod,
  fn: UnaryFn,
  deps: PipelineDeps,
  replay: { replayResponse: ReplayResponse | undefined; rule: ReplayRule | undefined },
): UnaryFn {
  // Steps run in this order: the RPC's scope (declared in the contract; a
  // method without one throws here, at start-up), no NUL in any string
  // (contract/nul-strings.ts), rate limit (cheap, before
  // any database work), then idempotency (so a refused call never consumes a
  // key, and a replay re-checks the caller's reach), then the method.
  const authorize = scopeStep(method);
  const limit = deps.rateLimits && rateLimitStep(method, deps.rateLimits.limiter, deps.rateLimits.config);
  const idempotent = deps.idempotency && idempotencyStep(method, deps.idempotency, replay);
  return async (request, ctx) => {
    const started = performance.now();
    try {
      const caller = await deps.callers.resolve({
        headers: ctx.requestHeader,
        clientAddress: clientAddressOf(ctx.requestHeader),
      });
      ctx.values.set(callerKey, caller);
      deps.requestFacts?.caller(ctx.requestHeader, caller);
      authorize?.(caller, request as Message);
      refuseNulStrings(method.input, request as Message);
      const run = () => fn(request, ctx);
      const once = idempotent ? () => idempotent(request as Message, ctx, caller, run) : run;
      return await (limit ? limit(request as Message, ctx, caller, once) : once());
    } catch (err) {
      if (deps.requestFacts) deps.requestFacts.failed(ctx.requestHeader, appErrorOf(err), err);
      else logFailure(deps.logger, method, ctx, err, performance.now() - started);
      throw toConnectError(err);
    }
  };
}

function logFailure(logger: Logger, method: DescMethod, ctx: HandlerContext, err: unknown, ms: number): void {
  const appError = appErrorOf(err);
  const entry = {
    rpc: `${method.parent.typeName}/${method.name}`,
    protocol: ctx.protocolName,
    code: appError.code,
    status: appError.entry.http,
    ms: Math.round(ms),
  };
  // Client faults are warnings; server faults are errors with their cause.
  // Error details are logged by code and field only: values may be personal
  // data and a password never reaches an AppError.
  if (appError.entry.http >= 500) {
    logger.error({ ...entry, err: err instanceof AppError ? err.cause ?? err : err }, "request failed");
  } else {
    logger.warn({ ...entry, field: appError.details.field }, "request rejected");
  }
}
