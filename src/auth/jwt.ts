// OAuth access tokens: JWTs signed by an external authorization server and
// verified here against its published keys (JWKS), with jose doing the
// cryptography, key selection and the standard claim checks.
import { readFileSync } from "node:fs";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { AppError } from "../domain/errors.js";
import { isScope, type Caller, type Scope } from "./caller.js";

export interface JwtVerifierOptions {
  /** JWKS endpoint of the authorization server (https, or http on loopback). */
  readonly jwksUrl?: string;
  /** Path to a JWKS JSON file; exactly one of jwksUrl / jwksFile. */
  readonly jwksFile?: string;
  readonly issuer: string;
  readonly audience: string;
  /** Allow-list of signature algorithms. Default RS256, ES256, EdDSA. */
  readonly algorithms?: readonly string[];
  /** Allowed clock skew for exp / nbf. Default 30 s. */
  readonly clockToleranceSeconds?: number;
  /** Claim naming the caller's tenant (required in every token). Default tenant_id. */
  readonly tenantClaim?: string;
  /** Claim binding the caller to one organization (optional). Default org_id. */
  readonly organizationClaim?: string;
}

export interface JwtVerifier {
  verify(token: string): Promise<Caller>;
}

export const defaultJwtAlgorithms: readonly string[] = ["RS256", "ES256", "EdDSA"];

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const algorithms = [...(options.algorithms ?? defaultJwtAlgorithms)];
  // Symmetric algorithms would need the verification key to be a shared
  // secret, which has no business in a published key set, and `none` is no
  // signature at all: a configuration naming them is a mistake, so fail at
  // start-up rather than at the first token.
  const unsafe = algorithms.filter((alg) => alg === "none" || alg.startsWith("HS"));
  if (algorithms.length === 0 || unsafe.length > 0) {
    throw new Error(`JWT algorithms must be a non-empty list of asymmetric algorithms (got ${algorithms.join(", ")})`);
  }
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const tenantClaim = options.tenantClaim ?? "tenant_id";
  const organizationClaim = options.organizationClaim ?? "org_id";
  const keys = keySource(options);

  return {
    async verify(token: string): Promise<Caller> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance,
          // A token without exp would be valid forever; sub is who acted.
          requiredClaims: ["exp", "sub"],
        }));
      } catch (err) {
        throw translate(err);
      }
      return callerFromClaims(payload, tenantClaim, organizationClaim);
    },
  };
}

function keySource(options: JwtVerifierOptions): JWTVerifyGetKey {
  const { jwksUrl, jwksFile } = options;
  if ((jwksUrl === undefined) === (jwksFile === undefined)) {
    throw new Error("JWT verifier needs exactly one of jwksUrl or jwksFile");
  }
  if (jwksUrl !== undefined) {
    const url = new URL(jwksUrl);
    // Whoever can alter the key set can mint any token: plain http is only
    // acceptable when it never leaves the machine (tests, a local sidecar).
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new Error("jwksUrl must use https (http only on loopback)");
    }
    // jose caches the set (10 min), refetches on an unknown kid at most once
    // per 30 s cooldown, and dedups concurrent fetches: a flood of tokens with
    // random kids cannot turn into a flood of requests to the issuer.
    return createRemoteJWKSet(url);
  }
  // Read once at start-up; a missing or malformed file fails here, loudly.
  const jwks: unknown = JSON.parse(readFileSync(jwksFile as string, "utf8"));
  return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
}

function callerFromClaims(payload: JWTPayload, tenantClaim: string, organizationClaim: string): Caller {
  const subject = payload.sub;
  if (typeof subject !== "string" || subject === "") throw unauthenticated("token has no subject");

  const tenantId = payload[tenantClaim];
  if (typeof tenantId !== "string" || tenantId === "") throw unauthenticated("token has no tenant");

  // An organization claim that is present but unusable must not be read as
  // "no organization": that would turn an org-bound caller into a tenant-wide
  // one. Only an absent (or null) claim means tenant-wide.
  const organization = payload[organizationClaim];
  if (organization !== undefined && organization !== null && (typeof organization !== "string" || organization === "")) {
    throw unauthenticated("token organization claim is invalid");
  }

  // RFC 8693 / RFC 9068: `scope` is one space-separated string. Scopes this
  // service does not know are ignored, and a missing or non-string claim
  // grants nothing (never more).
  const granted = new Set<Scope>();
  if (typeof payload.scope === "string") {
    for (const name of payload.scope.split(" ")) if (isScope(name)) granted.add(name);
  }

  return {
    kind: "oauth",
    subject: oauthSubject(subject),
    tenantId,
    scopes: granted,
    ...(typeof organization === "string" ? { organizationId: organization } : {}),
  };
}

/**
 * How a token's `sub` names the caller everywhere (idempotency scope,
 * rate-limit buckets, created_by / updated_by): `oauth:<sub>`. The issuer
 * chooses `sub` freely, so without the prefix a token whose `sub` is
 * `key_<uuid>` or `bootstrap` would pose as that key: share its idempotency
 * records (and replay its answers), its rate-limit budget, its audit trail.
 * API keys are `key_<uuid>` and the bootstrap key `bootstrap`, neither of
 * which can start with `oauth:`.
 */
export function oauthSubject(sub: string): string {
  return `oauth:${sub}`;
}

function unauthenticated(reason: string, cause?: unknown): AppError {
  return new AppError("AVNOLOGY_AUTH_001", {}, reason, cause === undefined ? undefined : { cause });
}

// jose error → AppError. Reasons are short and fixed: they never echo the
// token or its claims. The jose error is kept as `cause`, for logs only.
function translate(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof joseErrors.JWTExpired) return unauthenticated("token expired", err);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return unauthenticated(`token ${claimName(err.claim)} claim invalid`, err);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return unauthenticated("token signature invalid", err);
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return unauthenticated("token algorithm not allowed", err);
  // e.g. an unknown `crit` header, or an algorithm a key set cannot serve.
  if (err instanceof joseErrors.JOSENotSupported) return unauthenticated("token uses an unsupported feature", err);
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return unauthenticated("token signing key unknown", err);
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) {
    return unauthenticated("token malformed", err);
  }
  // What is left is our side failing, not the token: the key set could not be
  // fetched (timeout, network error, non-200, not JSON, not a key set). A 401
  // would tell a client with a good token to throw it away; 503 says retry.
  return new AppError(
    "AVNOLOGY_AUTH_950",
    { retryAfterSeconds: 5 },
    "Token signing keys are unavailable, retry later",
    { cause: err },
  );
}

// Only the standard claim names jose validates are named in a reason.
function claimName(claim: string): string {
  return ["iss", "aud", "sub", "exp", "nbf", "iat", "typ"].includes(claim) ? claim : "a";
}
