// The method pipeline's rate-limit and idempotency steps at the service
// level, in memory (createRouterTransport), with callers chosen per request:
// budgets and keys belong to a credential and a tenant, the replay hook of
// registerService shapes replays. The idempotency store here is an in-memory
// implementation of the store's contract (the MongoDB one is exercised by the
// integration tests).
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { IdentitySchema } from "../../../gen/avnology/identity/v1/identity_pb.js";
import {
  IdentityService,
  type CreateIdentityRequest,
  type GetIdentityRequest,
} from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { scopes, type Caller } from "../../../src/auth/caller.js";
import type { RateLimitConfig } from "../../../src/config/config.js";
import { createRateLimiter } from "../../../src/reliability/rate-limit/limiter.js";
import type { IdempotencyStore } from "../../../src/store/idempotency-store.js";
import { registerService, type RegisterServiceOptions } from "../../../src/transport/method-pipeline.js";

const callers: Record<string, Caller> = {
  a1: { kind: "api_key", subject: "key_a1", tenantId: "ten_a", scopes: new Set(scopes) },
  a2: { kind: "api_key", subject: "key_a2", tenantId: "ten_a", scopes: new Set(scopes) },
  b1: { kind: "api_key", subject: "key_b1", tenantId: "ten_b", scopes: new Set(scopes) },
};
const resolver = {
  async resolve({ headers }: { headers: Headers }) {
    return callers[headers.get("x-test-caller") ?? ""]!;
  },
};

function memoryIdempotencyStore(): IdempotencyStore {
  const records = new Map<string, Parameters<IdempotencyStore["complete"]>[2] | { lease: string; fingerprint: string }>();
  const fingerprints = new Map<string, string>();
  return {
    async begin({ id, fingerprint }) {
      const existing = records.get(id);
      if (!existing) {
        records.set(id, { lease: "l", fingerprint });
        fingerprints.set(id, fingerprint);
        return { kind: "acquired", lease: "l" };
      }
      if ("lease" in existing) return { kind: "in_progress", fingerprint: existing.fingerprint };
      return { kind: "done", fingerprint: fingerprints.get(id)!, outcome: existing };
    },
    async renew() {
      return true;
    },
    async plan() {
      return true;
    },
    async complete(id, _lease, outcome) {
      records.set(id, outcome);
      return true;
    },
    async release(id) {
      records.delete(id);
    },
    async deleteExpired() {
      return 0;
    },
  };
}

/** A stand-in implementation counting how often it really runs. */
function countingImpl() {
  let runs = 0;
  const impl: ServiceImpl<typeof IdentityService> = {
    async createIdentity(request: CreateIdentityRequest) {
      runs++;
      return create(IdentitySchema, { id: `usr_${runs}`, email: request.identity?.email ?? "", createdAt: timestampNow() });
    },
    async getIdentity(request: GetIdentityRequest) {
      return create(IdentitySchema, { id: request.id });
    },
    // Not exercised here; the pipeline only needs every method to exist.
    ...Object.fromEntries(
      ["listIdentities", "updateIdentity", "deleteIdentity", "setPassword", "verifyPassword", "batchCreateIdentities"].map((name) => [
        name,
        async () => {
          throw new ConnectError(`${name} is not part of this test`, Code.Unimplemented);
        },
      ]),
    ),
  } as unknown as ServiceImpl<typeof IdentityService>;
  return { impl, runs: () => runs };
}

/** Replay rules that let every caller replay (the real ones are tested in test/integration/idempotency-authorization.test.ts). */
const anyoneMayReplay: RegisterServiceOptions["replayRules"] = Object.fromEntries(
  ["createIdentity", "updateIdentity", "deleteIdentity", "setPassword", "batchCreateIdentities"].map((name) => [name, { authorize: () => undefined }]),
);

function pipelineDeps(rateLimits: RateLimitConfig | undefined) {
  const logger = pino({ level: "silent" });
  return {
    callers: resolver,
    logger,
    ...(rateLimits ? { rateLimits: { limiter: createRateLimiter(), config: rateLimits } } : {}),
    idempotency: { store: memoryIdempotencyStore(), now: () => new Date(), logger, fingerprintKey: "test-key" },
  };
}

function clientFor(
  impl: ServiceImpl<typeof IdentityService>,
  rateLimits: RateLimitConfig | undefined,
  options: RegisterServiceOptions = {},
) {
  const registration = registerService(IdentityService, impl, pipelineDeps(rateLimits), {
    ...options,
    replayRules: { ...anyoneMayReplay, ...options.replayRules },
  });
  const transport = createRouterTransport((router) => router.service(IdentityService, registration.impl as never));
  return createClient(IdentityService, transport);
}

const as = (caller: string, extra: Record<string, string> = {}) => ({ headers: { "x-test-caller": caller, ...extra } });

describe("rate limits per credential and per tenant, in the pipeline", () => {
  const config: RateLimitConfig = {
    credential: { ratePerSecond: 0.001, burst: 2 },
    tenant: { ratePerSecond: 0.001, burst: 3 },
    password: { ratePerSecond: 0.001, burst: 1 },
    syncIntervalMs: 500,
    exemptServices: [],
  };

  it("exhausting one credential leaves the other credentials alone, up to their tenant's budget", async () => {
    const client = clientFor(countingImpl().impl, config);
    const get = (caller: string) => client.getIdentity({ id: "usr_x" }, as(caller)).then(() => "ok", (e: ConnectError) => e.code);
    expect([await get("a1"), await get("a1"), await get("a1")]).toEqual(["ok", "ok", Code.ResourceExhausted]);
    // Same tenant, other credential: its own bucket, the tenant's third token.
    expect(await get("a2")).toBe("ok");
    expect(await get("a2")).toBe(Code.ResourceExhausted); // tenant ten_a spent
    // Another tenant is untouched.
    expect([await get("b1"), await get("b1")]).toEqual(["ok", "ok"]);
  });

  it("skips exempt services", async () => {
    const client = clientFor(countingImpl().impl, { ...config, exemptServices: ["avnology.identity.*"] });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await client.getIdentity({ id: `usr_${i}` }, as("a1"))).id);
    expect(ids).toHaveLength(10); // well past the burst of 2, never refused
  });
});

describe("idempotency scope and replay hook, in the pipeline", () => {
  it("scopes a key to the caller: the same key from two credentials runs twice", async () => {
    const counting = countingImpl();
    const client = clientFor(counting.impl, undefined);
    const request = { identity: { email: "scope@example.com" }, requestId: "same-key" };
    const a = await client.createIdentity(request, as("a1"));
    const aAgain = await client.createIdentity(request, as("a1"));
    const b = await client.createIdentity(request, as("b1"));
    expect(aAgain.id).toBe(a.id);
    expect(b.id).not.toBe(a.id);
    expect(counting.runs()).toBe(2);
  });

  it("passes a replayed response through the registered replayResponse hook", async () => {
    const counting = countingImpl();
    const client = clientFor(counting.impl, undefined, {
      replayResponse: { createIdentity: (stored) => ({ ...stored, displayName: "replayed" }) as never },
    });
    const request = { identity: { email: "hook@example.com" }, requestId: "hook-key" };
    const first = await client.createIdentity(request, as("a1"));
    expect(first.displayName).toBe("");
    const replay = await client.createIdentity(request, as("a1"));
    expect(replay.id).toBe(first.id);
    expect(replay.displayName).toBe("replayed");
    expect(counting.runs()).toBe(1);
  });
});

describe("replay rules, in the pipeline", () => {
  it("refuses to register a method that takes an idempotency key without a replay rule (deny by default)", () => {
    const { createIdentity: _dropped, ...withoutCreate } = anyoneMayReplay!;
    expect(() => registerService(IdentityService, countingImpl().impl, pipelineDeps(undefined), { replayRules: withoutCreate })).toThrow(
      /CreateIdentity takes an idempotency key but has no replay rule/,
    );
  });

  it("answers a replay only after the rule accepts the caller, and renders it through the rule", async () => {
    const counting = countingImpl();
    let allowed = true;
    const client = clientFor(counting.impl, undefined, {
      replayRules: {
        createIdentity: {
          authorize() {
            if (!allowed) throw new ConnectError("refused", Code.PermissionDenied);
          },
          visible: (_caller, stored) => ({ ...stored, displayName: "as seen now" }) as never,
        },
      },
    });
    const request = { identity: { email: "rule@example.com" }, requestId: "rule-key" };
    await client.createIdentity(request, as("a1"));
    expect((await client.createIdentity(request, as("a1"))).displayName).toBe("as seen now");
    allowed = false;
    const refused = await client.createIdentity(request, as("a1")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.PermissionDenied);
    expect(counting.runs()).toBe(1);
  });
});
