import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";

const pepper = "p".repeat(32);
import { AppError, type ErrorCode } from "../../../src/domain/errors.js";
import { isKeptOutcome } from "../../../src/transport/pipeline/idempotency-step.js";

describe("idempotency and rate-limit configuration", () => {
  it("has documented defaults", () => {
    const config = loadConfig({ API_KEY_PEPPER: pepper });
    expect(config.idempotency).toEqual({ retentionMs: 86_400_000, inProgressLeaseMs: 5_000, cleanupIntervalMs: 600_000 });
    expect(config.rateLimits).toEqual({
      credential: { ratePerSecond: 50, burst: 100 },
      tenant: { ratePerSecond: 200, burst: 400 },
      password: { ratePerSecond: 5, burst: 20 },
      syncIntervalMs: 500,
      exemptServices: ["grpc.health.v1.Health", "grpc.reflection.*"],
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      API_KEY_PEPPER: pepper,
      IDEMPOTENCY_RETENTION_SECONDS: "3600",
      IDEMPOTENCY_LEASE_MS: "2500",
      IDEMPOTENCY_CLEANUP_INTERVAL_SECONDS: "30",
      RATE_LIMIT_CREDENTIAL_RPS: "0.5",
      RATE_LIMIT_CREDENTIAL_BURST: "2",
      RATE_LIMIT_TENANT_RPS: "0",
      RATE_LIMIT_PASSWORD_BURST: "3",
      RATE_LIMIT_SYNC_INTERVAL_MS: "250",
      RATE_LIMIT_EXEMPT_SERVICES: "grpc.health.v1.Health, my.Service*",
    });
    expect(config.idempotency).toEqual({ retentionMs: 3_600_000, inProgressLeaseMs: 2_500, cleanupIntervalMs: 30_000 });
    expect(config.rateLimits.credential).toEqual({ ratePerSecond: 0.5, burst: 2 });
    expect(config.rateLimits.tenant.ratePerSecond).toBe(0);
    expect(config.rateLimits.password.burst).toBe(3);
    expect(config.rateLimits.syncIntervalMs).toBe(250);
    expect(config.rateLimits.exemptServices).toEqual(["grpc.health.v1.Health", "my.Service*"]);
  });

  it.each([
    ["IDEMPOTENCY_RETENTION_SECONDS", "10"],
    ["IDEMPOTENCY_LEASE_MS", "0"],
    ["IDEMPOTENCY_LEASE_MS", "5s"],
    ["RATE_LIMIT_CREDENTIAL_RPS", "-1"],
    ["RATE_LIMIT_CREDENTIAL_RPS", "fast"],
    ["RATE_LIMIT_TENANT_BURST", "0"],
    ["RATE_LIMIT_SYNC_INTERVAL_MS", "10"],
    ["RATE_LIMIT_EXEMPT_SERVICES", "grpc.health.v1.Health,*bad"],
  ])("rejects %s=%s at start-up", (name, value) => {
    expect(() => loadConfig({ API_KEY_PEPPER: pepper, [name]: value })).toThrow(name);
  });
});

describe("which outcomes an Idempotency-Key keeps", () => {
  it.each<[ErrorCode, boolean]>([
    ["AVNOLOGY_AUTH_902", true],
    ["AVNOLOGY_AUTH_011", true],
    ["AVNOLOGY_AUTH_014", true],
    ["AVNOLOGY_AUTH_040", true],
    ["AVNOLOGY_AUTH_050", true],
    ["AVNOLOGY_AUTH_001", false],
    ["AVNOLOGY_AUTH_100", false],
    ["AVNOLOGY_AUTH_021", false],
    ["AVNOLOGY_AUTH_022", false],
    ["AVNOLOGY_AUTH_030", false],
    ["AVNOLOGY_AUTH_031", false],
    ["AVNOLOGY_AUTH_950", false],
    ["AVNOLOGY_AUTH_999", false],
  ])("%s kept: %s", (code, kept) => {
    expect(isKeptOutcome(new AppError(code))).toBe(kept);
  });
});
