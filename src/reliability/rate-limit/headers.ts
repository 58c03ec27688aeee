// The RateLimit-Policy and RateLimit response fields of the IETF httpapi
// draft (draft-ietf-httpapi-ratelimit-headers), in structured-field syntax:
//   RateLimit-Policy: "credential";q=100;w=2, "tenant";q=400;w=2
//   RateLimit: "credential";r=0;t=2
// A token bucket (rate r/s, burst b) is described as quota q = b over window
// w = ceil(b / r) seconds: the burst, and the time to earn it back. RateLimit
// reports the policy closest to refusing (fewest remaining units); t is the
// seconds until that bucket is full again.
import type { PolicyStatus } from "./limiter.js";

export function policyWindowSeconds(status: PolicyStatus): number {
  return Math.max(1, Math.ceil(status.config.burst / status.config.ratePerSecond));
}

export function rateLimitPolicyHeader(statuses: readonly PolicyStatus[]): string {
  return statuses.map((s) => `${sfString(s.policy)};q=${s.config.burst};w=${policyWindowSeconds(s)}`).join(", ");
}

export function rateLimitHeader(statuses: readonly PolicyStatus[]): string | undefined {
  const tightest = [...statuses].sort((a, b) => a.remaining - b.remaining || b.resetSeconds - a.resetSeconds)[0];
  if (!tightest) return undefined;
  return `${sfString(tightest.policy)};r=${tightest.remaining};t=${tightest.resetSeconds}`;
}

/** The response headers for a decision (none when no policy applies). */
export function rateLimitHeaders(statuses: readonly PolicyStatus[]): Record<string, string> {
  const current = rateLimitHeader(statuses);
  if (current === undefined) return {};
  return { "ratelimit-policy": rateLimitPolicyHeader(statuses), ratelimit: current };
}

/** An RFC 8941 sf-string (policy names are plain tokens; quotes and backslashes escaped anyway). */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
