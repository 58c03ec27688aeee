// Sending one batch until each of its items has a final answer.
//
// Whole-call failures worth another try (429, 503, 409 AVNOLOGY_AUTH_031 "the
// same key is still in flight", network failures) are retried with the same
// request and key, honouring the service's hint, else exponential backoff
// with jitter: the SDK's retry rules, with a longer budget than its default,
// since an import would rather wait a minute than stop. Anything else, or a
// budget spent, fails the batch (the import stops; a re-run resumes it).
//
// Items the service answers with a 429 or 503 of their own (AVNOLOGY_AUTH_021:
// the caller's password budget for clear-text passwords ran out; 950: the
// hasher's queue was full) are sent again, alone, after the longest hint
// among them, as a new call with its own key (the next attempt), until each
// is created or refused for another reason.
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  BatchResultView,
  type BatchCreateIdentitiesRequestSchema,
  type BatchCreateIdentitiesResponse,
  type CreateIdentityRequest,
  type ItemError,
} from "../../../sdk/src/gen/avnology/identity/v1/identity_service_pb.js";
import { withRetries, type RetryPolicy } from "../../../sdk/src/retry.js";

export type BatchCall = (request: MessageInitShape<typeof BatchCreateIdentitiesRequestSchema>) => Promise<BatchCreateIdentitiesResponse>;

export interface SendDeps {
  readonly call: BatchCall;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
}

export interface BatchItem {
  readonly line: number;
  readonly request: CreateIdentityRequest;
}

export type ItemOutcome = { readonly line: number; readonly error?: undefined } | { readonly line: number; readonly error: ItemError };

export interface SentBatch {
  /** One outcome per item, in item order. */
  readonly outcomes: readonly ItemOutcome[];
  /** Items sent again after a 429/503 of their own (counted per re-send). */
  readonly resent: number;
}

export interface SendOptions {
  readonly validateOnly: boolean;
  /** The request_id of the batch's nth call ("" for none: validate_only needs none). */
  readonly requestId: (attempt: number) => string;
}

/** About a minute and a half of backoff (full jitter halves it on average), then the import stops. */
export const wholeCallRetries: RetryPolicy = Object.freeze({ maxRetries: 8, baseDelayMs: 500, maxDelayMs: 30_000 });
/** Re-sends of items that made no progress at all in a row before they are given up as refused. */
export const maxFruitlessResends = 20;
const defaultItemRetrySeconds = 1;

export async function sendBatch(deps: SendDeps, items: readonly BatchItem[], options: SendOptions): Promise<SentBatch> {
  const outcomes = new Map<number, ItemOutcome>();
  let pending = items.map((item, position) => ({ item, position }));
  let resent = 0;
  let fruitless = 0;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const request = {
      requests: pending.map((p) => p.item.request),
      validateOnly: options.validateOnly,
      requestId: options.requestId(attempt),
      // The import counts what was created; the identities need not come back.
      resultView: BatchResultView.ID,
    };
    const response = await withRetries(() => deps.call(request), {}, wholeCallRetries, {
      sleep: (ms) => deps.sleep(ms),
      random: deps.random,
      now: deps.now,
    });
    if (response.results.length !== pending.length) {
      throw new Error(`the service answered ${response.results.length} results for a batch of ${pending.length}`);
    }
    const again: typeof pending = [];
    let waitSeconds = 0;
    for (const result of response.results) {
      const sent = pending[result.index];
      if (sent === undefined) throw new Error(`the service answered a result for item ${result.index} of a batch of ${pending.length}`);
      const error = result.result.case === "error" ? result.result.value : undefined;
      if (error && isResendable(error) && fruitless < maxFruitlessResends) {
        again.push(sent);
        waitSeconds = Math.max(waitSeconds, error.details?.retryAfterSeconds ?? defaultItemRetrySeconds);
      } else {
        outcomes.set(sent.position, error ? { line: sent.item.line, error } : { line: sent.item.line });
      }
    }
    fruitless = again.length === pending.length ? fruitless + 1 : 0;
    if (again.length > 0) {
      resent += again.length;
      await deps.sleep(waitSeconds * 1000);
    }
    pending = again.sort((a, b) => a.position - b.position);
  }
  return { outcomes: items.map((_, position) => outcomes.get(position)!), resent };
}

/** An item refused for now, not for good: its own rate limit (429) or an overloaded service (503). */
export function isResendable(error: ItemError): boolean {
  return error.status === 429 || error.status === 503;
}
