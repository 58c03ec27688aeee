import { describe, expect, it } from "vitest";
import {
  apiKeyDigestsEqual,
  apiKeySecretPrefix,
  generateApiKeySecret,
  hashApiKeySecret,
  looksLikeApiKeySecret,
} from "../../../src/auth/api-key-secret.js";

describe("generateApiKeySecret", () => {
  it("is ak_live_ followed by base64url of exactly 32 bytes", () => {
    const secret = generateApiKeySecret();
    expect(secret.startsWith(apiKeySecretPrefix)).toBe(true);
    const body = secret.slice(apiKeySecretPrefix.length);
    expect(body).toMatch(/^[A-Za-z0-9_-]+$/);
    const bytes = Buffer.from(body, "base64url");
    expect(bytes.length).toBe(32);
    // Round-trips: nothing was padded or truncated.
    expect(bytes.toString("base64url")).toBe(body);
    expect(looksLikeApiKeySecret(secret)).toBe(true);
  });

  it("never repeats and uses the whole byte range", () => {
    const secrets = Array.from({ length: 2000 }, generateApiKeySecret);
    expect(new Set(secrets).size).toBe(secrets.length);
    // 64,000 random bytes: every byte value shows up (a fixed or narrow source would not).
    const seen = new Set<number>();
    for (const s of secrets) for (const b of Buffer.from(s.slice(8), "base64url")) seen.add(b);
    expect(seen.size).toBe(256);
  });
});

describe("hashApiKeySecret", () => {
  it("is HMAC-SHA256 keyed by the pepper (RFC 4231 test case 2)", () => {
    expect(hashApiKeySecret("what do ya want for nothing?", "Jefe")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("is deterministic, hex, and changes with the pepper and with the secret", () => {
    const secret = generateApiKeySecret();
    const digest = hashApiKeySecret(secret, "pepper-one");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKeySecret(secret, "pepper-one")).toBe(digest);
    expect(hashApiKeySecret(secret, "pepper-two")).not.toBe(digest);
    expect(hashApiKeySecret(generateApiKeySecret(), "pepper-one")).not.toBe(digest);
    expect(digest).not.toContain(secret.slice(8));
  });

  it("refuses an empty pepper", () => {
    expect(() => hashApiKeySecret(generateApiKeySecret(), "")).toThrow(/pepper/);
  });
});

describe("looksLikeApiKeySecret", () => {
  const body = "A".repeat(42) + "Q";
  it.each([
    ["a generated secret", generateApiKeySecret(), true],
    ["prefix + 43 base64url chars", `ak_live_${body}`, true],
    ["with - and _", `ak_live_${"-_".repeat(21)}A`, true],
    ["wrong prefix", `ak_test_${body}`, false],
    ["upper-case prefix", `AK_LIVE_${body}`, false],
    ["one char short", `ak_live_${body.slice(1)}`, false],
    ["one char long", `ak_live_${body}A`, false],
    ["standard base64 chars", `ak_live_${"+/".repeat(21)}A`, false],
    ["padding", `ak_live_${body.slice(1)}=`, false],
    ["trailing newline", `ak_live_${body}\n`, false],
    ["prefix only", "ak_live_", false],
    ["empty", "", false],
  ])("%s → %s", (_name, value, expected) => {
    expect(looksLikeApiKeySecret(value)).toBe(expected);
  });
});

describe("apiKeyDigestsEqual", () => {
  const a = hashApiKeySecret("secret-a", "pepper");
  it.each([
    ["same digest", a, a, true],
    ["other digest", a, hashApiKeySecret("secret-b", "pepper"), false],
    ["prefix of it", a, a.slice(0, 32), false],
    ["empty", a, "", false],
  ])("%s → %s", (_name, left, right, expected) => {
    expect(apiKeyDigestsEqual(left, right)).toBe(expected);
  });
});
