// The idempotency step of the method pipeline, for every method whose request
// has a `string request_id` field: the first request with a key runs and its
// outcome is stored; a repeat with the same request replays that outcome with
// `Idempotent-Replayed: true`; a repeat with another request is 422 030; a
// repeat while the first still runs is 409 031 at once (no waiting: the
// client retries, and RetryInfo / Retry-After say when).
//
// A replay answers only a caller that may make the call now: before any
// stored answer (or 030 / 031) goes out, the method's ReplayRule re-checks the
// caller (scope, organization reach, admin-only fields) and renders the
// stored response as that caller may see it. Keys are scoped to the caller's
// tenant, subject and organization binding (src/reliability/idempotency/key.ts scopedKeyId).
import { create, fromBinary, toBinary, type DescMethod, type Message } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Caller } from "../../auth/caller.js";
import { AppError, type ErrorCode, type ErrorDetails } from "../../domain/errors.js";
import type { IdempotencyStore, StoredOutcome } from "../../store/idempotency-store.js";
import { appErrorOf } from "../error-connect.js";
import { requestFingerprint } from "../../reliability/idempotency/fingerprint.js";
import { hasRequestIdField, isValidateOnly, requestIdOf } from "../contract/request-fields.js";
import { idempotencyKeyHeader, resolveIdempotencyKey, scopedKeyId } from "../../reliability/idempotency/key.js";
import { holdLease, type HeldLease } from "../../reliability/idempotency/lease.js";
import { newIdPlanKey } from "./planned-id.js";
import { withoutSecrets } from "../../reliability/idempotency/redact.js";

export const replayedHeader = "idempotent-replayed";

/** Response headers that belong to the answer and go out again with its replay. */
export const replayedResponseHeaders = ["etag"] as const;

/** Turns a stored (secret-free) response into what a replay answers, e.g. "the secret was shown once". */
export type ReplayResponse = (stored: Message) => Message;

/**
 * How a method's stored answers may be replayed to a caller. Every method that
 * takes an idempotency key must have one (registerService refuses otherwise).
 */
export interface ReplayRule {
  /**
   * Throws what a fresh call of `request` by `caller` would be refused with
   * for who the caller is (scope, organization reach, admin-only fields).
   * Uses the services' own permission functions.
   */
  authorize(caller: Caller, request: Message): void;
  /**
   * The stored response as `caller` may see it now (as a GET by it would
   * render it); may throw that GET's error. `request` is the replayed one (a
   * batch re-authorizes each item against it).
   */
  visible?(caller: Caller, response: Message, request?: Message): Message;
}

export interface IdempotencyDeps {
  readonly store: IdempotencyStore;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Server secret keying the request fingerprints (they may cover passwords). */
  readonly fingerprintKey: string;
  /** The store's lease (IDEMPOTENCY_LEASE_MS); renewed every third of it while a request runs. Default 5 s. */
  readonly leaseMs?: number;
}

type Next = () => Promise<unknown>;
export type IdempotencyStep = (request: Message, ctx: HandlerContext, caller: Caller, next: Next) => Promise<unknown>;

export interface IdempotencyStepOptions {
  readonly replayResponse?: ReplayResponse | undefined;
  readonly rule?: ReplayRule | undefined;
}

/** The step for one method, or undefined when the method takes no key. */
export function idempotencyStep(method: DescMethod, deps: IdempotencyDeps, options: IdempotencyStepOptions = {}): IdempotencyStep | undefined {
  if (!hasRequestIdField(method.input)) return undefined;
  const methodName = `${method.parent.typeName}/${method.name}`;

  return async (request, ctx, caller, next) => {
    // The key is checked first: a dry run accepts exactly the keys a real call does.
    const key = resolveIdempotencyKey(ctx.requestHeader.get(idempotencyKeyHeader), requestIdOf(method.input, request));
    if (key === undefined || isValidateOnly(method.input, request)) return next();

    const id = scopedKeyId(caller, key);
    const fingerprint = requestFingerprint(method, request, deps.fingerprintKey);
    const begun = await deps.store.begin({ id, method: methodName, fingerprint, now: deps.now() });
    if (begun.kind !== "acquired") {
      // Nothing about an earlier call (not even that it exists) reaches a caller that could not make it now.
      options.rule?.authorize(caller, request);
      if (begun.fingerprint !== fingerprint) throw new AppError("AVNOLOGY_AUTH_030", { field: idempotencyKeyHeader });
      if (begun.kind === "in_progress") {
        throw new AppError("AVNOLOGY_AUTH_031", { field: idempotencyKeyHeader, retryAfterSeconds: 1 });
      }
      const answer = replay(method, begun.outcome, caller, options, request);
      ctx.responseHeader.set(replayedHeader, "true");
      if (begun.outcome.kind === "response") {
        for (const [name, value] of Object.entries(begun.outcome.headers ?? {})) ctx.responseHeader.set(name, value);
      }
      return answer;
    }

    const held = holdLease(deps.store, id, begun.lease, {
      leaseMs: deps.leaseMs ?? 5_000,
      now: deps.now,
      logger: deps.logger,
      method: methodName,
    });
    ctx.values.set(newIdPlanKey, {
      plannedId: begun.plannedId,
      async plan(newId) {
        // Lost the key (a retry took it over): creating now would make a second resource.
        if (!(await held.plan(newId))) throw new AppError("AVNOLOGY_AUTH_031", { field: idempotencyKeyHeader, retryAfterSeconds: 1 });
      },
    });

    let output: unknown;
    try {
      output = await next();
    } catch (err) {
      const appError = appErrorOf(err);
      if (isKeptOutcome(appError)) {
        await complete(deps, held, errorOutcome(appError), methodName);
      } else {
        await held.release().catch((e: unknown) => deps.logger.warn({ err: e }, "idempotency release failed"));
      }
      throw err;
    }
    const message = create(method.output, output as never);
    const stored = toBinary(method.output, withoutSecrets(method.output, message));
    await complete(deps, held, { kind: "response", message: stored, headers: keptHeaders(ctx.responseHeader) }, methodName);
    return output;
  };
}

/**
 * Outcomes worth replaying: the request ran and answered a client fault
 * (validation, conflict, not found). Never 401/403/429 (the client may fix
 * credentials or wait), nor 5xx (a retry may succeed), nor another key's
 * in-flight/mismatch answer.
 */
export function isKeptOutcome(error: AppError): boolean {
  if (error.code === "AVNOLOGY_AUTH_030" || error.code === "AVNOLOGY_AUTH_031") return false;
  const status = error.entry.http;
  return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429;
}

function errorOutcome(error: AppError): StoredOutcome {
  // ErrorDetails is plain data (strings, numbers, arrays); a round trip through
  // JSON drops anything that is not.
  return { kind: "error", code: error.code, message: error.message, details: JSON.parse(JSON.stringify(error.details)) };
}

function keptHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of replayedResponseHeaders) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

function replay(method: DescMethod, outcome: StoredOutcome, caller: Caller, options: IdempotencyStepOptions, request: Message): Message {
  if (outcome.kind === "error") {
    const details = outcome.details as ErrorDetails;
    throw new AppError(
      outcome.code as ErrorCode,
      { ...details, headers: { ...details.headers, [replayedHeader]: "true" } },
      outcome.message,
    );
  }
  const stored = fromBinary(method.output, outcome.message);
  const visible = options.rule?.visible ? options.rule.visible(caller, stored, request) : stored;
  return options.replayResponse ? options.replayResponse(visible) : visible;
}

/**
 * Records the outcome. The method already ran: if the record cannot be
 * written the answer still goes out (failing now would invite a retry that
 * runs it twice); the record stays in progress until its lease expires, and
 * a retry then finishes the run from its plan.
 */
async function complete(deps: IdempotencyDeps, held: HeldLease, outcome: StoredOutcome, method: string) {
  try {
    const kept = await held.complete(outcome);
    if (!kept) deps.logger.warn({ rpc: method }, "idempotency lease lost before completion (the request outlived its lease)");
  } catch (err) {
    deps.logger.error({ err, rpc: method }, "idempotency outcome not recorded");
  }
}
