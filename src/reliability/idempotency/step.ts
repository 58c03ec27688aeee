// The idempotency step of the method pipeline, for every method whose request
// has a `string request_id` field: the first request with a key runs and its
// outcome is stored; a repeat with the same request replays that outcome with
// `Idempotent-Replayed: true`; a repeat with another request is 422 030; a
// repeat while the first still runs is 409 031 at once (no waiting: the
// client retries, and RetryInfo / Retry-After say when).
import { create, fromBinary, toBinary, type DescMethod, type Message } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Caller } from "../../auth/caller.js";
import { AppError, type ErrorCode, type ErrorDetails } from "../../domain/errors.js";
import type { IdempotencyStore, StoredOutcome } from "../../store/idempotency-store.js";
import { appErrorOf } from "../../transport/error-connect.js";
import { requestFingerprint } from "./fingerprint.js";
import { hasRequestIdField, idempotencyKeyHeader, isValidateOnly, requestIdOf, resolveIdempotencyKey, scopedKeyId } from "./key.js";
import { withoutSecrets } from "./redact.js";

export const replayedHeader = "idempotent-replayed";

/** Turns a stored (secret-free) response into what a replay answers, e.g. "the secret was shown once". */
export type ReplayResponse = (stored: Message) => Message;

export interface IdempotencyDeps {
  readonly store: IdempotencyStore;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Server secret keying the request fingerprints (they may cover passwords). */
  readonly fingerprintKey: string;
}

type Next = () => Promise<unknown>;
export type IdempotencyStep = (request: Message, ctx: HandlerContext, caller: Caller, next: Next) => Promise<unknown>;

/** The step for one method, or undefined when the method takes no key. */
export function idempotencyStep(
  method: DescMethod,
  deps: IdempotencyDeps,
  replayResponse?: ReplayResponse,
): IdempotencyStep | undefined {
  if (!hasRequestIdField(method.input)) return undefined;
  const methodName = `${method.parent.typeName}/${method.name}`;

  return async (request, ctx, caller, next) => {
    if (isValidateOnly(method.input, request)) return next();
    const key = resolveIdempotencyKey(ctx.requestHeader.get(idempotencyKeyHeader), requestIdOf(method.input, request));
    if (key === undefined) return next();

    const id = scopedKeyId(caller.tenantId, caller.subject, key);
    const fingerprint = requestFingerprint(method, request, deps.fingerprintKey);
    const begun = await deps.store.begin({ id, method: methodName, fingerprint, now: deps.now() });
    if (begun.kind !== "acquired") {
      if (begun.fingerprint !== fingerprint) throw new AppError("AVNOLOGY_AUTH_030", { field: idempotencyKeyHeader });
      if (begun.kind === "in_progress") {
        throw new AppError("AVNOLOGY_AUTH_031", { field: idempotencyKeyHeader, retryAfterSeconds: 1 });
      }
      ctx.responseHeader.set(replayedHeader, "true");
      return replay(method, begun.outcome, replayResponse);
    }

    let output: unknown;
    try {
      output = await next();
    } catch (err) {
      const appError = appErrorOf(err);
      if (isKeptOutcome(appError)) {
        await complete(deps, id, begun.lease, errorOutcome(appError), methodName);
      } else {
        await deps.store.release(id, begun.lease).catch((e: unknown) => deps.logger.warn({ err: e }, "idempotency release failed"));
      }
      throw err;
    }
    const message = create(method.output, output as never);
    const stored = toBinary(method.output, withoutSecrets(method.output, message));
    await complete(deps, id, begun.lease, { kind: "response", message: stored }, methodName);
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

function replay(method: DescMethod, outcome: StoredOutcome, replayResponse: ReplayResponse | undefined): Message {
  if (outcome.kind === "error") {
    const details = outcome.details as ErrorDetails;
    throw new AppError(
      outcome.code as ErrorCode,
      { ...details, headers: { ...details.headers, [replayedHeader]: "true" } },
      outcome.message,
    );
  }
  const stored = fromBinary(method.output, outcome.message);
  return replayResponse ? replayResponse(stored) : stored;
}

/**
 * Records the outcome. The method already ran: if the record cannot be
 * written the answer still goes out (failing now would invite a retry that
 * runs it twice); the record stays in progress until its lease expires.
 */
async function complete(deps: IdempotencyDeps, id: string, lease: string, outcome: StoredOutcome, method: string) {
  try {
    const kept = await deps.store.complete(id, lease, outcome, deps.now());
    if (!kept) deps.logger.warn({ rpc: method }, "idempotency lease lost before completion (the request outlived its lease)");
  } catch (err) {
    deps.logger.error({ err, rpc: method }, "idempotency outcome not recorded");
  }
}
