import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CreateIdentityRequestSchema, GetIdentityRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { scopes, type Caller } from "../../../src/auth/caller.js";
import type { BucketConfig, RateLimitConfig } from "../../../src/config/config.js";
import { rateLimitHeaders } from "../../../src/reliability/rate-limit/headers.js";
import { createRateLimiter } from "../../../src/reliability/rate-limit/limiter.js";
import { hashesPassword, isExemptService, limitKeysOf } from "../../../src/transport/pipeline/rate-limit-step.js";
import { charge, refill, secondsUntil, type Bucket } from "../../../src/reliability/rate-limit/token-bucket.js";

const caller = (tenantId: string, subject: string): Caller => ({ kind: "api_key", subject, tenantId, scopes: new Set(scopes) });
const config = (credential: BucketConfig, tenant: BucketConfig, password: BucketConfig): RateLimitConfig => ({
  credential,
  tenant,
  password,
  syncIntervalMs: 500,
  exemptServices: ["grpc.health.v1.Health", "grpc.reflection.*"],
});

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("token bucket math", () => {
  const cfg = { ratePerSecond: 10, burst: 5 };
  it.each([
    [0, 0, 0],
    [0, 100, 1],
    [2, 250, 4.5],
    [4, 1_000, 5], // capped at the burst
  ])("from %d tokens after %d ms holds %d", (start, ms, expected) => {
    const bucket: Bucket = { tokens: start, updatedAt: 0 };
    refill(bucket, cfg, ms);
    expect(bucket.tokens).toBeCloseTo(expected);
  });

  it("charges remote use into a debt bounded by the burst", () => {
    const bucket: Bucket = { tokens: 2, updatedAt: 0 };
    charge(bucket, cfg, 4);
    expect(bucket.tokens).toBe(-2);
    charge(bucket, cfg, 100);
    expect(bucket.tokens).toBe(-5);
    expect(secondsUntil(bucket, cfg, 1)).toBeCloseTo(0.6);
  });
});

describe("rate limiter", () => {
  const rl = config({ ratePerSecond: 2, burst: 3 }, { ratePerSecond: 100, burst: 100 }, { ratePerSecond: 1, burst: 1 });

  it("lets the burst through, refuses the next call with Retry-After, and recovers after it", () => {
    const c = clock();
    const limiter = createRateLimiter(c.now);
    const keys = limitKeysOf(caller("ten_a", "key_1"), false, rl);
    for (let i = 0; i < 3; i++) expect(limiter.take(keys).allowed).toBe(true);
    const refused = limiter.take(keys);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    c.advance(499);
    expect(limiter.take(keys).allowed).toBe(false);
    c.advance(1);
    expect(limiter.take(keys).allowed).toBe(true);
  });

  it("keeps one credential's budget apart from another's", () => {
    const limiter = createRateLimiter(clock().now);
    const first = limitKeysOf(caller("ten_a", "key_1"), false, rl);
    const second = limitKeysOf(caller("ten_a", "key_2"), false, rl);
    for (let i = 0; i < 3; i++) limiter.take(first);
    expect(limiter.take(first).allowed).toBe(false);
    expect(limiter.take(second).allowed).toBe(true);
  });

  it("shares one tenant budget between the tenant's credentials, and not with other tenants", () => {
    const tight = config({ ratePerSecond: 100, burst: 100 }, { ratePerSecond: 1, burst: 2 }, { ratePerSecond: 1, burst: 1 });
    const limiter = createRateLimiter(clock().now);
    expect(limiter.take(limitKeysOf(caller("ten_a", "key_1"), false, tight)).allowed).toBe(true);
    expect(limiter.take(limitKeysOf(caller("ten_a", "key_2"), false, tight)).allowed).toBe(true);
    const refused = limiter.take(limitKeysOf(caller("ten_a", "key_3"), false, tight));
    expect(refused.allowed).toBe(false);
    expect(refused.statuses.find((s) => s.policy === "tenant")?.remaining).toBe(0);
    expect(limiter.take(limitKeysOf(caller("ten_b", "key_1"), false, tight)).allowed).toBe(true);
  });

  it("has a stricter budget for calls that hash a password, leaving other calls alone", () => {
    const limiter = createRateLimiter(clock().now);
    const hashing = limitKeysOf(caller("ten_a", "key_1"), true, rl);
    expect(limiter.take(hashing).allowed).toBe(true);
    const refused = limiter.take(hashing);
    expect(refused.allowed).toBe(false);
    // A refused call takes nothing from the other buckets.
    expect(refused.statuses.find((s) => s.policy === "credential")?.remaining).toBe(2);
    expect(limiter.take(limitKeysOf(caller("ten_a", "key_1"), false, rl)).allowed).toBe(true);
  });

  it("skips a policy whose rate is 0 (disabled)", () => {
    const off = config({ ratePerSecond: 0, burst: 1 }, { ratePerSecond: 0, burst: 1 }, { ratePerSecond: 0, burst: 1 });
    const limiter = createRateLimiter(clock().now);
    for (let i = 0; i < 50; i++) expect(limiter.take(limitKeysOf(caller("t", "k"), true, off))).toEqual({ allowed: true, statuses: [] });
  });

  it("reports what it took once to the sync, and charges remote use", () => {
    const c = clock();
    const limiter = createRateLimiter(c.now);
    const keys = limitKeysOf(caller("ten_a", "key_1"), false, rl);
    limiter.take(keys);
    limiter.take(keys);
    const drained = limiter.drainUnsynced();
    expect([...drained.values()]).toEqual([2, 2]);
    expect(limiter.drainUnsynced().size).toBe(0);
    limiter.chargeRemote(keys[0]!.key, 1);
    expect(limiter.take(keys).allowed).toBe(false);
  });

  it("forgets full, reported buckets", () => {
    const c = clock();
    const limiter = createRateLimiter(c.now);
    limiter.take(limitKeysOf(caller("ten_a", "key_1"), false, rl));
    limiter.drainUnsynced();
    limiter.evictIdle();
    expect(limiter.keys()).toHaveLength(2); // not yet full
    c.advance(10_000);
    limiter.evictIdle();
    expect(limiter.keys()).toHaveLength(0);
  });
});

describe("which calls are limited, and how", () => {
  it.each([
    ["grpc.health.v1.Health", true],
    ["grpc.reflection.v1.ServerReflection", true],
    ["grpc.reflection.v1alpha.ServerReflection", true],
    ["grpc.healthz.Other", false],
    ["avnology.identity.v1.IdentityService", false],
  ])("%s exempt: %s", (name, exempt) => {
    expect(isExemptService(name, ["grpc.health.v1.Health", "grpc.reflection.*"])).toBe(exempt);
  });

  it.each([
    ["with initial_password", create(CreateIdentityRequestSchema, { initialPassword: "pw pw pw pw" }), true],
    ["without a password", create(CreateIdentityRequestSchema, {}), false],
    ["validate_only with a password", create(CreateIdentityRequestSchema, { initialPassword: "pw pw pw pw", validateOnly: true }), false],
    // An imported hash is stored as it is: no hashing, no password budget.
    ["with a password_hash", create(CreateIdentityRequestSchema, { passwordHash: "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" }), false],
  ])("CreateIdentity %s hashes: %s", (_name, request, expected) => {
    expect(hashesPassword(CreateIdentityRequestSchema, request)).toBe(expected);
  });

  it("GetIdentity never hashes", () => {
    expect(hashesPassword(GetIdentityRequestSchema, create(GetIdentityRequestSchema, { id: "x" }))).toBe(false);
  });
});

describe("RateLimit headers (IETF draft, structured fields)", () => {
  it("formats the policies and the tightest current state", () => {
    const limiter = createRateLimiter(clock().now);
    const rl = config({ ratePerSecond: 100, burst: 100 }, { ratePerSecond: 200, burst: 400 }, { ratePerSecond: 5, burst: 20 });
    const decision = limiter.take(limitKeysOf(caller("ten_a", "key_1"), true, rl));
    expect(rateLimitHeaders(decision.statuses)).toEqual({
      "ratelimit-policy": '"credential";q=100;w=1, "tenant";q=400;w=2, "password";q=20;w=4',
      ratelimit: '"password";r=19;t=1',
    });
  });

  it("says r=0 and when the bucket is full again once exhausted", () => {
    const limiter = createRateLimiter(clock().now);
    const rl = config({ ratePerSecond: 100, burst: 100 }, { ratePerSecond: 1000, burst: 1000 }, { ratePerSecond: 1, burst: 1 });
    const keys = limitKeysOf(caller("ten_a", "key_1"), false, rl);
    for (let i = 0; i < 100; i++) limiter.take(keys);
    const refused = limiter.take(keys);
    expect(rateLimitHeaders(refused.statuses)).toEqual({
      "ratelimit-policy": '"credential";q=100;w=1, "tenant";q=1000;w=1',
      ratelimit: '"credential";r=0;t=1',
    });
  });

  it("sends nothing when no policy applies", () => {
    expect(rateLimitHeaders([])).toEqual({});
  });
});
