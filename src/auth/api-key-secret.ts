// API key secrets: how they are made, recognised and stored.
//
// The secret is shown to the client once, at creation; the store keeps only
// its HMAC digest, and a request's key is found by computing the digest of the
// presented secret and looking that digest up (an indexed equality match).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const apiKeySecretPrefix = "ak_live_";

/** 32 random bytes = 256 bits: far beyond any guessing or offline search. */
const secretBytes = 32;

// base64url of 32 bytes is 43 characters without padding. Only the exact
// shape is accepted so that garbage never costs a store round trip.
const secretPattern = /^ak_live_[A-Za-z0-9_-]{43}$/;

export function generateApiKeySecret(): string {
  return apiKeySecretPrefix + randomBytes(secretBytes).toString("base64url");
}

/** Format check only, done before any lookup; says nothing about validity. */
export function looksLikeApiKeySecret(s: string): boolean {
  return secretPattern.test(s);
}

/**
 * The digest stored for (and looked up by) a secret: HMAC-SHA256 keyed by a
 * server-side pepper, hex-encoded.
 *
 * Why not Argon2 (as for passwords): a slow hash exists to make guessing
 * low-entropy human passwords expensive. A 256-bit random secret cannot be
 * guessed however fast the hash is, so a slow hash would only add ~25 ms of CPU
 * to every authenticated request and make the digest unusable as a lookup key
 * (Argon2 salts per hash, so it cannot be indexed). The pepper, kept outside
 * the database, means a leaked key table alone does not even allow checking a
 * candidate secret.
 */
export function hashApiKeySecret(secret: string, pepper: string): string {
  // An empty pepper would silently turn the keyed hash into a public one:
  // refuse it rather than store digests anyone can recompute.
  if (pepper.length === 0) throw new Error("hashApiKeySecret: pepper must not be empty");
  return createHmac("sha256", pepper).update(secret, "utf8").digest("hex");
}

/**
 * Constant-time equality of two hex digests.
 *
 * Lookups by digest do not need it: an attacker timing the index lookup learns
 * at most how many leading characters of the *digest* matched, and without the
 * pepper that tells nothing about any secret (changing one bit of the input
 * changes the whole digest). It is here for the one place a digest is compared
 * in code, e.g. re-checking a record read by id against a presented secret.
 */
export function apiKeyDigestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // Digests have a fixed length, so leaking "lengths differ" leaks nothing.
  return left.length === right.length && timingSafeEqual(left, right);
}
