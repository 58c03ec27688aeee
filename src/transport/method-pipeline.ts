// What runs around every RPC on every transport (gRPC, gRPC-Web, Connect and
// REST, which calls the same wrapped implementations): resolve the caller
// once, run the method, turn any failure into the catalogue's error, log it.
// Kept as a wrapper of the implementations rather than a Connect interceptor
// so the REST transcoder, which invokes implementations directly, gets the
// very same behaviour.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Caller } from "../auth/caller.js";
import { AppError } from "../domain/errors.js";
import { callerKey } from "./caller-context.js";
import { clientAddressOf } from "./client-address.js";
import { appErrorOf, toConnectError } from "./error-connect.js";

export interface CallerResolver {
  resolve(request: { headers: Headers; clientAddress: string }): Promise<Caller>;
}

export interface PipelineDeps {
  readonly callers: CallerResolver;
  readonly logger: Logger;
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
): ServiceRegistration {
  const wrapped: Record<string, UnaryFn> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary") throw new Error(`${method.name}: only unary methods are supported`);
    const fn = (impl as unknown as Record<string, UnaryFn>)[method.localName];
    if (!fn) throw new Error(`${service.typeName}.${method.name} has no implementation`);
    wrapped[method.localName] = wrapMethod(method, fn.bind(impl), deps);
  }
  return { service, impl: wrapped };
}

function wrapMethod(method: DescMethod, fn: UnaryFn, deps: PipelineDeps): UnaryFn {
  return async (request, ctx) => {
    const started = performance.now();
    try {
      const caller = await deps.callers.resolve({
        headers: ctx.requestHeader,
        clientAddress: clientAddressOf(ctx.requestHeader),
      });
      ctx.values.set(callerKey, caller);
      return await fn(request, ctx);
    } catch (err) {
      logFailure(deps.logger, method, ctx, err, performance.now() - started);
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
