// The CallerResolver of the method pipeline: Authorization header → Caller.
// `Bearer <BOOTSTRAP_KEY>` → the bootstrap caller; `Bearer ak_live_...` → an
// API key; any other bearer token → a JWT access token. Every refusal is 401
// AVNOLOGY_AUTH_001 with a WWW-Authenticate header, and presented-but-bad
// credentials count against the client address in the failed-auth throttle:
// once over the limit, further bad credentials from it answer 429
// AVNOLOGY_AUTH_022, but a valid credential is never refused (behind an
// ingress every client shares one address, and one noisy client must not lock
// out the others). An outage (503) is not a failure and does not count.
import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "../domain/errors.js";
import type { ApiKeyAuthenticator } from "./api-key-authenticator.js";
import type { Caller } from "./caller.js";
import { parseAuthorization, wwwAuthenticate } from "./credentials.js";
import type { FailedAuthThrottle } from "./failed-auth-throttle.js";
import type { JwtVerifier } from "./jwt.js";

export interface CallerResolverOptions {
  readonly apiKeys: ApiKeyAuthenticator;
  /** Unset: no bootstrap key is accepted. */
  readonly bootstrapKey?: string;
  /** Unset: bearer JWTs are refused (no OAuth issuer configured). */
  readonly jwt?: JwtVerifier;
  readonly throttle: FailedAuthThrottle;
}

export const bootstrapCaller: Caller = Object.freeze({
  kind: "bootstrap",
  subject: "bootstrap",
  tenantId: "",
  // Its reach comes from its kind (src/auth/permissions.ts), never from scopes.
  scopes: new Set<never>(),
});

export function createCallerResolver(options: CallerResolverOptions) {
  const bootstrapDigest = options.bootstrapKey === undefined ? undefined : sha256(options.bootstrapKey);

  function isBootstrapKey(headerValue: string): boolean {
    if (bootstrapDigest === undefined) return false;
    const match = /^\s*bearer +(\S+)\s*$/i.exec(headerValue);
    if (match?.[1] === undefined) return false;
    // Equal-length digests compared in constant time: neither the content nor
    // the length of the real key leaks through timing.
    return timingSafeEqual(sha256(match[1]), bootstrapDigest);
  }

  async function authenticate(headerValue: string | null): Promise<Caller> {
    if (headerValue !== null && isBootstrapKey(headerValue)) return bootstrapCaller;
    const parsed = parseAuthorization(headerValue);
    switch (parsed.kind) {
      case "none":
        throw new AppError("AVNOLOGY_AUTH_001", { headers: { "www-authenticate": wwwAuthenticate() } });
      case "malformed":
        throw unauthenticated("malformed credentials");
      case "api_key": {
        const result = await options.apiKeys.authenticate(parsed.secret);
        // One message for unknown, revoked and expired: no oracle on which.
        if (!result.ok) throw unauthenticated("API key is invalid, revoked or expired");
        return result.caller;
      }
      case "bearer_jwt": {
        if (options.jwt === undefined) throw unauthenticated("access tokens are not accepted");
        try {
          return await options.jwt.verify(parsed.token);
        } catch (err) {
          // The verifier's 401s lack the header; its 503 (keys unavailable) is
          // not the client's fault and passes through untouched.
          if (err instanceof AppError && err.code === "AVNOLOGY_AUTH_001") throw unauthenticated(err.message, err);
          throw err;
        }
      }
    }
  }

  return {
    async resolve(request: { headers: Headers; clientAddress: string }): Promise<Caller> {
      const headerValue = request.headers.get("authorization");
      try {
        return await authenticate(headerValue);
      } catch (err) {
        // Only presented credentials count: a request without any is not a
        // guess. A success does not reset the count either, or a client
        // holding one valid key could interleave it with unlimited guesses.
        if (err instanceof AppError && err.code === "AVNOLOGY_AUTH_001" && parseAuthorization(headerValue).kind !== "none") {
          options.throttle.check(request.clientAddress); // 429 once the address is over its limit
          options.throttle.recordFailure(request.clientAddress);
        }
        throw err;
      }
    },
  };
}

function unauthenticated(description: string, cause?: unknown): AppError {
  return new AppError(
    "AVNOLOGY_AUTH_001",
    { headers: { "www-authenticate": wwwAuthenticate("invalid_token", description) } },
    `Authentication failed: ${description}`,
    cause === undefined ? undefined : { cause },
  );
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
