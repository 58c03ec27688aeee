// BatchCreateIdentities and the caller's password budget, over grpc-js (as an
// internal importer would call it) and REST: each item with a clear-text
// password draws one token (RATE_LIMIT_PASSWORD_*); items beyond the budget
// answer 021 in their own result with a retry hint while the others are
// created; pre-hashed and password-less items cost nothing; a re-send of the
// refused items after the hint creates them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchCreateIdentitiesRequestSchema, BatchCreateIdentitiesResponseSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { createGrpcClient } from "../support/grpc-client.js";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const burst = 3;
let server: TestServer;
beforeAll(async () => {
  // A budget of 3 clear-text passwords, refilled at one a second.
  server = await startTestServer({ RATE_LIMIT_PASSWORD_RPS: "1", RATE_LIMIT_PASSWORD_BURST: String(burst) });
});
afterAll(async () => {
  await server?.close();
});

const bcryptVector = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

describe("BatchCreateIdentities over grpc-js, with a password budget of 3", () => {
  it("creates the items within the budget, answers 021 with a hint on the clear-text items beyond it", async () => {
    const client = createGrpcClient(IdentityService, server.port);
    try {
      const clearText = (i: number) => ({ identity: { email: `grpc.clear.${i}@example.com` }, initialPassword: `a long passphrase number ${i}` });
      const requests = [
        clearText(0),
        { identity: { email: "grpc.hashed@example.com" }, passwordHash: bcryptVector },
        clearText(1),
        { identity: { email: "grpc.none@example.com" } },
        clearText(2),
        clearText(3),
        clearText(4),
      ];
      const { response, error } = await client.call("batchCreateIdentities", BatchCreateIdentitiesRequestSchema, BatchCreateIdentitiesResponseSchema, { requests }, server.auth);
      expect(error).toBeUndefined();
      const outcome = response!.results.map((r) => [r.index, r.result.case === "identity" ? r.result.value.email : r.result.value?.code]);
      expect(outcome).toEqual([
        [0, "grpc.clear.0@example.com"],
        [1, "grpc.hashed@example.com"],
        [2, "grpc.clear.1@example.com"],
        [3, "grpc.none@example.com"],
        [4, "grpc.clear.2@example.com"],
        [5, "AVNOLOGY_AUTH_021"],
        [6, "AVNOLOGY_AUTH_021"],
      ]);
      const refused = response!.results[5]!.result;
      if (refused.case !== "error") throw new Error("expected an item error");
      expect(refused.value.status).toBe(429);
      expect(refused.value.details?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(await server.db.collection("identities").countDocuments({ email: { $in: ["grpc.clear.3@example.com", "grpc.clear.4@example.com"] } })).toBe(0);
    } finally {
      client.close();
    }
  });
});

describe("BatchCreateIdentities over REST, with a password budget of 3", () => {
  it("the refused items, re-sent after the hint, are created", async () => {
    // Wait for a full bucket (the grpc test above may have drained it).
    await new Promise((resolve) => setTimeout(resolve, (burst + 1) * 1000));
    const requests = Array.from({ length: 5 }, (_, i) => ({ identity: { email: `rest.clear.${i}@example.com` }, initial_password: `another long passphrase ${i}` }));
    const first = await rest(server.baseUrl, "POST", "/v1/identities:batchCreate", { requests }, server.auth);
    expect(first.status).toBe(200);
    const refused = (first.json.results as { index: number; error?: { code: string; details: { retry_after_seconds?: number } } }[]).filter((r) => r.error);
    expect(refused.map((r) => r.error!.code)).toEqual(["AVNOLOGY_AUTH_021", "AVNOLOGY_AUTH_021"]);
    const hint = Math.max(...refused.map((r) => r.error!.details.retry_after_seconds ?? 0));
    expect(hint).toBeGreaterThanOrEqual(1);
    // The per-call budgets were not touched by the items: the call itself passed.
    expect(first.headers.get("ratelimit-policy") ?? "").not.toContain("password");

    // Each re-send waits the hint and sends what is still refused (one token a second).
    let pending = refused.map((r) => requests[r.index]!);
    let wait = hint;
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      const again = await rest(server.baseUrl, "POST", "/v1/identities:batchCreate", { requests: pending }, server.auth);
      expect(again.status).toBe(200);
      const results = again.json.results as { index: number; identity?: unknown; error?: { code: string; details: { retry_after_seconds?: number } } }[];
      for (const r of results) if (r.error) expect(r.error.code).toBe("AVNOLOGY_AUTH_021");
      wait = Math.max(1, ...results.map((r) => r.error?.details.retry_after_seconds ?? 0));
      pending = results.filter((r) => r.error).map((r) => pending[r.index]!);
    }
    expect(pending).toEqual([]);
    expect(await server.db.collection("identities").countDocuments({ email: { $regex: "^rest\\.clear\\." } })).toBe(5);
  }, 60_000);
});
