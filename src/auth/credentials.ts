// Reading the Authorization header and answering with WWW-Authenticate.
// Parsing is syntactic only: it decides which verifier (API key lookup or JWT)
// a credential goes to, and rejects junk before it costs a lookup or a
// signature check.
import { apiKeySecretPrefix, looksLikeApiKeySecret } from "./api-key-secret.js";

export type ParsedAuthorization =
  | { readonly kind: "none" }
  | { readonly kind: "malformed" }
  | { readonly kind: "api_key"; readonly secret: string }
  | { readonly kind: "bearer_jwt"; readonly token: string };

// An access token far larger than any real one is junk; refusing it early keeps
// base64 decoding and JSON parsing of attacker-sized input out of the verifier.
const maxTokenLength = 8192;

// Header, payload and signature, each non-empty base64url (no padding, per
// RFC 7515). An unsigned JWT (empty third part) is therefore "malformed" here;
// the verifier rejects `alg: none` on its own as well.
const jwtPattern = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

// RFC 7235: credentials = auth-scheme 1*SP token68. Leading/trailing
// whitespace is optional whitespace around the field value.
const credentialsPattern = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+)$/;

export function parseAuthorization(headerValue: string | null): ParsedAuthorization {
  if (headerValue === null) return { kind: "none" };
  const value = headerValue.trim();
  // An empty header carries no credentials at all: the same as no header
  // (RFC 6750: no error code is sent for a request without credentials).
  if (value === "") return { kind: "none" };

  const match = credentialsPattern.exec(value);
  if (match === null) return { kind: "malformed" };
  const [, scheme, credential] = match;
  if (scheme === undefined || credential === undefined) return { kind: "malformed" };
  // Scheme names are case-insensitive (RFC 7235 §2.1); Basic, Digest, ... are
  // not ours, so they are malformed rather than "none".
  if (scheme.toLowerCase() !== "bearer") return { kind: "malformed" };

  if (credential.startsWith(apiKeySecretPrefix)) {
    // Something that claims to be a key but has the wrong shape is not then
    // tried as a JWT: it is a broken key.
    return looksLikeApiKeySecret(credential) ? { kind: "api_key", secret: credential } : { kind: "malformed" };
  }
  if (credential.length <= maxTokenLength && jwtPattern.test(credential)) {
    return { kind: "bearer_jwt", token: credential };
  }
  return { kind: "malformed" };
}

export type BearerError = "invalid_token" | "insufficient_scope";

/**
 * A `WWW-Authenticate` value for the Bearer scheme (RFC 6750 §3), e.g.
 * `Bearer realm="avnology", error="invalid_token", error_description="token expired"`.
 *
 * Without an error code the description is left out too: for a request that
 * had no credentials the RFC says not to include error information.
 */
export function wwwAuthenticate(error?: BearerError, description?: string): string {
  let value = 'Bearer realm="avnology"';
  if (error === undefined) return value;
  value += `, error="${error}"`;
  if (description !== undefined) {
    const safe = sanitizeDescription(description);
    if (safe !== "") value += `, error_description="${safe}"`;
  }
  return value;
}

// error_description may only hold %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3):
// no quotes, backslashes or control characters, so nothing can break out of
// the quoted string or inject another header line.
function sanitizeDescription(description: string): string {
  return description.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "").trim();
}
