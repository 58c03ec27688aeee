// Sending one batch with a fake service: items refused for now (429
// AVNOLOGY_AUTH_021, 503) are re-sent alone, after their hint, under the
// next attempt's key; whole-call failures worth a retry are retried with the
// same request and key, then given up; a malformed answer fails the batch.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  BatchCreateIdentitiesRequestSchema,
  BatchCreateIdentitiesResponseSchema,
  BatchResultView,
  CreateIdentityRequestSchema,
  type BatchCreateIdentitiesResponse,
} from "../../../sdk/src/gen/avnology/identity/v1/identity_service_pb.js";
import { ErrorInfoSchema, RetryInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { maxFruitlessResends, sendBatch, wholeCallRetries, type BatchItem } from "../../../src/cli/import/send-batch.js";

type Request = MessageInitShape<typeof BatchCreateIdentitiesRequestSchema>;
type Answer = { code: string; status: number; retryAfterSeconds?: number } | "created";

const item = (line: number): BatchItem => ({ line, request: create(CreateIdentityRequestSchema, { identity: { email: `u${line}@example.com` } }) });
const emailOf = (r: Request, i: number) => (r.requests?.[i] as { identity?: { email?: string } }).identity?.email ?? "";

function answer(request: Request, decide: (email: string) => Answer): BatchCreateIdentitiesResponse {
  return create(BatchCreateIdentitiesResponseSchema, {
    results: (request.requests ?? []).map((_, index) => {
      const a = decide(emailOf(request, index));
      return a === "created"
        ? { index, result: { case: "identity" as const, value: { email: emailOf(request, index) } } }
        : { index, result: { case: "error" as const, value: { code: a.code, message: "no", status: a.status, details: a.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: a.retryAfterSeconds } } } };
    }),
  });
}

function fakeDeps(call: (request: Request) => Promise<BatchCreateIdentitiesResponse>) {
  const sleeps: number[] = [];
  const calls: { ids: string; emails: string[] }[] = [];
  return {
    sleeps,
    calls,
    deps: {
      call: async (request: Request) => {
        calls.push({ ids: request.requestId ?? "", emails: (request.requests ?? []).map((_, i) => emailOf(request, i)) });
        return call(request);
      },
      sleep: async (ms: number) => void sleeps.push(ms),
      random: () => 0.5,
      now: () => 0,
    },
  };
}

const keyOf = (attempt: number) => `key-${attempt}`;

describe("sendBatch", () => {
  it("re-sends only the items answered 021, after the longest hint, under the next attempt's key, until they are created", async () => {
    const budget = new Map([["u2@example.com", 2], ["u4@example.com", 1]]); // refusals left per email
    const { deps, calls, sleeps } = fakeDeps(async (request) =>
      answer(request, (email) => {
        const left = budget.get(email) ?? 0;
        if (left === 0) return email === "u5@example.com" ? { code: "AVNOLOGY_AUTH_014", status: 409 } : "created";
        budget.set(email, left - 1);
        return { code: "AVNOLOGY_AUTH_021", status: 429, retryAfterSeconds: email === "u2@example.com" ? 3 : 1 };
      }),
    );
    const sent = await sendBatch(deps, [1, 2, 3, 4, 5].map(item), { validateOnly: false, requestId: keyOf });
    expect(calls).toEqual([
      { ids: "key-0", emails: ["u1@example.com", "u2@example.com", "u3@example.com", "u4@example.com", "u5@example.com"] },
      { ids: "key-1", emails: ["u2@example.com", "u4@example.com"] },
      { ids: "key-2", emails: ["u2@example.com"] },
    ]);
    expect(sleeps).toEqual([3000, 3000]);
    expect(sent.resent).toBe(3);
    expect(sent.outcomes.map((o) => [o.line, o.error?.code])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, undefined],
      [4, undefined],
      [5, "AVNOLOGY_AUTH_014"],
    ]);
  });

  it("re-sends a 503 item (hasher queue full) too, waiting 1 s without a hint", async () => {
    let first = true;
    const { deps, sleeps } = fakeDeps(async (request) =>
      answer(request, () => {
        if (!first) return "created";
        first = false;
        return { code: "AVNOLOGY_AUTH_950", status: 503 };
      }),
    );
    const sent = await sendBatch(deps, [item(1)], { validateOnly: false, requestId: keyOf });
    expect([sleeps, sent.resent, sent.outcomes[0]?.error]).toEqual([[1000], 1, undefined]);
  });

  it(`gives items up as refused after ${maxFruitlessResends} re-sends in a row in which none got through`, async () => {
    const { deps, calls } = fakeDeps(async (request) => answer(request, () => ({ code: "AVNOLOGY_AUTH_021", status: 429, retryAfterSeconds: 1 })));
    const sent = await sendBatch(deps, [item(1), item(2)], { validateOnly: false, requestId: keyOf });
    expect(calls).toHaveLength(maxFruitlessResends + 1);
    expect(sent.outcomes.map((o) => o.error?.code)).toEqual(["AVNOLOGY_AUTH_021", "AVNOLOGY_AUTH_021"]);
  });

  it("retries a whole call refused for now (503, 409 in flight, network) with the same request and key, honouring the hint", async () => {
    const failures = [
      new ConnectError("still in progress", Code.Aborted, undefined, [
        { desc: ErrorInfoSchema, value: { reason: "AVNOLOGY_AUTH_031", domain: "avnology" } },
        { desc: RetryInfoSchema, value: { retryDelay: { seconds: 2n } } },
      ]),
      new ConnectError("fetch failed", Code.Unavailable), // no answer: a network failure
    ];
    const { deps, calls, sleeps } = fakeDeps(async (request) => {
      const failure = failures.shift();
      if (failure) throw failure;
      return answer(request, () => "created");
    });
    const sent = await sendBatch(deps, [item(1), item(2)], { validateOnly: false, requestId: keyOf });
    expect(calls.map((c) => c.ids)).toEqual(["key-0", "key-0", "key-0"]);
    expect(sleeps).toEqual([2000, 0.5 * wholeCallRetries.baseDelayMs * 2]); // the hint, then backoff with (fake) jitter
    expect(sent.outcomes.every((o) => o.error === undefined)).toBe(true);
  });

  it("gives a retryable whole-call failure up after the retry budget; a refusal (401) at once", async () => {
    const down = fakeDeps(async () => {
      throw new ConnectError("fetch failed", Code.Unavailable);
    });
    await expect(sendBatch(down.deps, [item(1)], { validateOnly: false, requestId: keyOf })).rejects.toMatchObject({ code: "AVNOLOGY_SDK_NETWORK" });
    expect(down.calls).toHaveLength(wholeCallRetries.maxRetries + 1);

    const refused = fakeDeps(async () => {
      throw new ConnectError("bad key", Code.Unauthenticated);
    });
    await expect(sendBatch(refused.deps, [item(1)], { validateOnly: false, requestId: keyOf })).rejects.toMatchObject({ status: 401 });
    expect(refused.calls).toHaveLength(1);
  });

  it("sends validate_only without a key when told, and fails on an answer that does not match the batch", async () => {
    const requests: Request[] = [];
    const { deps } = fakeDeps(async (request) => {
      requests.push(request);
      return create(BatchCreateIdentitiesResponseSchema, { results: [] });
    });
    await expect(sendBatch(deps, [item(1)], { validateOnly: true, requestId: () => "" })).rejects.toThrow(/answered 0 results for a batch of 1/);
    expect(requests[0]).toMatchObject({ validateOnly: true, requestId: "" });
    // Only ids come back: the import counts what was created.
    expect(requests[0]!.resultView).toBe(BatchResultView.ID);
  });
});
