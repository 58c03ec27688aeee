import { describe, expect, it } from "vitest";
import type { ApiKeyAuthenticator } from "../../../src/auth/api-key-authenticator.js";
import { generateApiKeySecret } from "../../../src/auth/api-key-secret.js";
import type { Caller } from "../../../src/auth/caller.js";
import { createCallerResolver } from "../../../src/auth/caller-resolver.js";
import { createFailedAuthThrottle } from "../../../src/auth/failed-auth-throttle.js";
import type { JwtVerifier } from "../../../src/auth/jwt.js";
import { AppError } from "../../../src/domain/errors.js";

const bootstrapKey = "bootstrap-0123456789abcdef0123456789abcdef";
const goodSecret = generateApiKeySecret();
const keyCaller: Caller = { kind: "api_key", subject: "key_1", tenantId: "ten_1", scopes: new Set(["admin:users:read"]) };
const jwtCaller: Caller = { kind: "oauth", subject: "sub_1", tenantId: "ten_1", scopes: new Set() };

const apiKeys: ApiKeyAuthenticator = {
  async authenticate(secret) {
    return secret === goodSecret ? { ok: true, caller: keyCaller } : { ok: false, reason: "unknown" };
  },
  evict() {},
};
const jwt: JwtVerifier = {
  async verify(token) {
    if (token === "a.b.c") return jwtCaller;
    throw new AppError("AVNOLOGY_AUTH_001", {}, "token expired");
  },
};

function resolver(options: { withJwt?: boolean; maxFailures?: number } = {}) {
  const throttle = createFailedAuthThrottle({ maxFailures: options.maxFailures ?? 100, windowMs: 60_000 });
  const r = createCallerResolver({ apiKeys, bootstrapKey, throttle, ...(options.withJwt === false ? {} : { jwt }) });
  return (authorization?: string, clientAddress = "192.0.2.1") =>
    r.resolve({ headers: new Headers(authorization === undefined ? {} : { authorization }), clientAddress });
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; wwwAuthenticate: string | undefined; message: string }> {
  const err = await promise.then(
    () => expect.unreachable(),
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw err;
  return { code: err.code, wwwAuthenticate: err.details.headers?.["www-authenticate"], message: err.message };
}

describe("createCallerResolver", () => {
  it.each<[string, string, Caller["kind"]]>([
    ["the bootstrap key", `Bearer ${bootstrapKey}`, "bootstrap"],
    ["the bootstrap key, scheme in lower case", `bearer ${bootstrapKey}`, "bootstrap"],
    ["an API key", `Bearer ${goodSecret}`, "api_key"],
    ["a JWT", "Bearer a.b.c", "oauth"],
  ])("resolves %s", async (_name, header, kind) => {
    expect((await resolver()(header)).kind).toBe(kind);
  });

  it.each<[string, string | undefined, string]>([
    ["no header", undefined, 'Bearer realm="avnology"'],
    ["an unknown API key", `Bearer ${generateApiKeySecret()}`, 'error="invalid_token"'],
    ["a malformed key", "Bearer ak_live_short", 'error="invalid_token"'],
    ["another scheme", `Basic ${btoa("a:b")}`, 'error="invalid_token"'],
    ["a near-miss of the bootstrap key", `Bearer ${bootstrapKey}x`, 'error="invalid_token"'],
    ["a rejected JWT", "Bearer x.y.z", 'error_description="token expired"'],
  ])("answers 401 AVNOLOGY_AUTH_001 with WWW-Authenticate for %s", async (_name, header, expected) => {
    const { code, wwwAuthenticate } = await failure(resolver()(header));
    expect(code).toBe("AVNOLOGY_AUTH_001");
    expect(wwwAuthenticate).toContain(expected);
  });

  it("refuses JWTs when no issuer is configured", async () => {
    const { code, message } = await failure(resolver({ withJwt: false })("Bearer a.b.c"));
    expect(code).toBe("AVNOLOGY_AUTH_001");
    expect(message).toMatch(/access tokens are not accepted/);
  });

  it("throttles further bad credentials from an address after repeated ones, but never a valid credential", async () => {
    const resolve = resolver({ maxFailures: 3 });
    for (let i = 0; i < 3; i++) expect((await failure(resolve(`Bearer ${generateApiKeySecret()}`))).code).toBe("AVNOLOGY_AUTH_001");
    expect((await failure(resolve(`Bearer ${generateApiKeySecret()}`))).code).toBe("AVNOLOGY_AUTH_022");
    // Behind an ingress every client shares the address: a valid key still works.
    expect((await resolve(`Bearer ${goodSecret}`)).kind).toBe("api_key");
    expect((await failure(resolve("Bearer not-a-key"))).code).toBe("AVNOLOGY_AUTH_022");
    // Another address is unaffected.
    expect((await failure(resolve(`Bearer ${generateApiKeySecret()}`, "192.0.2.2"))).code).toBe("AVNOLOGY_AUTH_001");
  });

  it("does not count requests without credentials as failures", async () => {
    const resolve = resolver({ maxFailures: 2 });
    for (let i = 0; i < 5; i++) expect((await failure(resolve(undefined))).code).toBe("AVNOLOGY_AUTH_001");
    expect((await resolve(`Bearer ${goodSecret}`)).kind).toBe("api_key");
  });
});
