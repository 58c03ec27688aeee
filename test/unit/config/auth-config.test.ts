import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";

const pepper = "p".repeat(32);

describe("loadConfig: auth", () => {
  it("applies the documented defaults", () => {
    const { auth } = loadConfig({ API_KEY_PEPPER: pepper });
    expect(auth).toEqual({ apiKeyPepper: pepper, apiKeyCacheTtlMs: 5_000, failureLimit: 20, failureWindowMs: 60_000 });
  });

  it("reads the bootstrap key and the OAuth settings", () => {
    const { auth } = loadConfig({
      API_KEY_PEPPER: pepper,
      BOOTSTRAP_KEY: "b".repeat(40),
      OAUTH_JWKS_URL: "https://issuer.test/jwks.json",
      OAUTH_ISSUER: "https://issuer.test",
      OAUTH_AUDIENCE: "api",
      OAUTH_ALGORITHMS: "ES256, EdDSA",
      OAUTH_TENANT_CLAIM: "https://avnology.net/tenant",
    });
    expect(auth.bootstrapKey).toBe("b".repeat(40));
    expect(auth.oauth).toEqual({
      jwksUrl: "https://issuer.test/jwks.json",
      issuer: "https://issuer.test",
      audience: "api",
      algorithms: ["ES256", "EdDSA"],
      tenantClaim: "https://avnology.net/tenant",
      clockToleranceSeconds: 30,
    });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ["no pepper", {}, /API_KEY_PEPPER/],
    ["a short pepper", { API_KEY_PEPPER: "short" }, /API_KEY_PEPPER/],
    ["a short bootstrap key", { API_KEY_PEPPER: pepper, BOOTSTRAP_KEY: "letmein" }, /BOOTSTRAP_KEY/],
    ["a bootstrap key with a space", { API_KEY_PEPPER: pepper, BOOTSTRAP_KEY: `${"b".repeat(20)} ${"b".repeat(20)}` }, /BOOTSTRAP_KEY/],
    ["a JWKS without issuer", { API_KEY_PEPPER: pepper, OAUTH_JWKS_FILE: "/x.json", OAUTH_AUDIENCE: "api" }, /OAUTH_ISSUER/],
    ["both JWKS sources", { API_KEY_PEPPER: pepper, OAUTH_JWKS_FILE: "/x.json", OAUTH_JWKS_URL: "https://x" }, /only one/],
    ["a cache time above 5 minutes", { API_KEY_PEPPER: pepper, API_KEY_CACHE_TTL_MS: "300001" }, /API_KEY_CACHE_TTL_MS/],
  ])("fails at start-up on %s", (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
