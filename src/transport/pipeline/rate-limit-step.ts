// The rate-limit step of the method pipeline. Every call draws from its
// credential's bucket and its tenant's bucket; a call that hashes a password
// also draws from the stricter password bucket of its credential. A method is
// known to hash a password when its request carries a non-empty
// `initial_password` or `password` string field and is not validate_only
// (validate_only runs no hash) — read from the contract, no per-method list.
// Items of a batch that hash draw from the password bucket one by one, through
// the PasswordBudget this step puts into the handler context of a method
// whose request holds a list of such items (read from the contract).
// Services named in the exempt list (health, reflection) are never limited.
import type { DescMessage, DescMethod, Message } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../../auth/caller.js";
import type { RateLimitConfig } from "../../config/config.js";
import { AppError } from "../../domain/errors.js";
import { isValidateOnly } from "../contract/request-fields.js";
import { rateLimitHeaders } from "../../reliability/rate-limit/headers.js";
import type { LimitKey, RateLimiter } from "../../reliability/rate-limit/limiter.js";
import type { PasswordBudget } from "../../services/password-budget.js";
import { passwordBudgetKey } from "./password-budget.js";

type Next = () => Promise<unknown>;
export type RateLimitStep = (request: Message, ctx: HandlerContext, caller: Caller, next: Next) => Promise<unknown>;

const passwordFields = new Set(["initial_password", "password"]);

export function isExemptService(typeName: string, exempt: readonly string[]): boolean {
  return exempt.some((p) => (p.endsWith("*") ? typeName.startsWith(p.slice(0, -1)) : typeName === p));
}

export function hashesPassword(schema: DescMessage, request: Message): boolean {
  if (isValidateOnly(schema, request)) return false;
  return schema.fields.some((f) => {
    if (!passwordFields.has(f.name)) return false;
    const value = (request as unknown as Record<string, unknown>)[f.localName];
    return typeof value === "string" && value !== "";
  });
}

export function limitKeysOf(caller: Caller, hashing: boolean, config: RateLimitConfig): LimitKey[] {
  const credential = credentialOf(caller);
  const keys: LimitKey[] = [
    { policy: "credential", key: `c:${credential}`, config: config.credential },
    { policy: "tenant", key: `t:${JSON.stringify(caller.tenantId)}`, config: config.tenant },
  ];
  if (hashing) keys.push(passwordLimitKey(credential, config));
  return keys;
}

function passwordLimitKey(credential: string, config: RateLimitConfig): LimitKey {
  return { policy: "password", key: `p:${credential}`, config: config.password };
}

function credentialOf(caller: Caller): string {
  return JSON.stringify([caller.tenantId, caller.subject]);
}

/** True when the request holds a list of messages that may carry a password each (a batch of creates). */
export function itemsMayHashPasswords(schema: DescMessage): boolean {
  return schema.fields.some(
    (f) => f.fieldKind === "list" && f.listKind === "message" && f.message.fields.some((item) => passwordFields.has(item.name)),
  );
}

/** The caller's password bucket, one token per take (a batch item that hashes). */
export function callerPasswordBudget(caller: Caller, limiter: RateLimiter, config: RateLimitConfig): PasswordBudget {
  let key: LimitKey | undefined;
  return {
    take() {
      key ??= passwordLimitKey(credentialOf(caller), config);
      const decision = limiter.take([key]);
      return decision.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
    },
  };
}

/** The step for one method, or undefined for an exempt service. */
export function rateLimitStep(method: DescMethod, limiter: RateLimiter, config: RateLimitConfig): RateLimitStep | undefined {
  if (isExemptService(method.parent.typeName, config.exemptServices)) return undefined;
  const handsOutBudget = itemsMayHashPasswords(method.input);
  return async (request, ctx, caller, next) => {
    if (handsOutBudget) ctx.values.set(passwordBudgetKey, callerPasswordBudget(caller, limiter, config));
    const decision = limiter.take(limitKeysOf(caller, hashesPassword(method.input, request), config));
    const headers = rateLimitHeaders(decision.statuses);
    for (const [name, value] of Object.entries(headers)) ctx.responseHeader.set(name, value);
    if (!decision.allowed) {
      const exhausted = decision.statuses.filter((s) => s.retryAfterSeconds > 0);
      throw new AppError("AVNOLOGY_AUTH_021", {
        retryAfterSeconds: decision.retryAfterSeconds,
        headers,
        metadata: { policy: exhausted.map((s) => s.policy).join(",") },
        quotaViolations: exhausted.map((s) => ({
          subject: s.policy,
          description: `${s.config.ratePerSecond} requests per second, burst ${s.config.burst}`,
        })),
      });
    }
    return next();
  };
}
