import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJwtVerifier, type JwtVerifierOptions } from "../../../src/auth/jwt.js";
import { AppError } from "../../../src/domain/errors.js";

const issuer = "https://issuer.test";
const audience = "https://api-id.avnology.net";
const now = () => Math.floor(Date.now() / 1000);

interface SigningKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function makeKey(alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

let rsa: SigningKey;
let ec: SigningKey;
let ed: SigningKey;
let server: Server;
let baseUrl: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  [rsa, ec, ed] = await Promise.all([makeKey("RS256", "rsa-1"), makeKey("ES256", "ec-1"), makeKey("EdDSA", "ed-1")]);
  const body = JSON.stringify({ keys: [rsa.jwk, ec.jwk, ed.jwk] });
  server = createServer((req, res) => {
    const path = req.url ?? "";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path.startsWith("/jwks.json")) {
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    } else {
      res.writeHead(500).end("down");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const verifier = (extra: Partial<JwtVerifierOptions> = {}) =>
  createJwtVerifier({ jwksUrl: `${baseUrl}/jwks.json`, issuer, audience, ...extra });

const validClaims = (): JWTPayload => ({
  sub: "usr_42",
  tenant_id: "ten_1",
  scope: "admin:users:write admin:users:read openid",
  iss: issuer,
  aud: audience,
  iat: now(),
  exp: now() + 300,
});

async function sign(claims: JWTPayload, key: SigningKey = rsa, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).sign(key.privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The rejection is an AppError 001 whose message matches `reason` and never echoes the token. */
async function expectUnauthenticated(token: string, reason: RegExp, v = verifier()): Promise<void> {
  const err = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const appError = err as AppError;
  expect(appError.code).toBe("AVNOLOGY_AUTH_001");
  expect(appError.entry.http).toBe(401);
  expect(appError.message).toMatch(reason);
  for (const part of token.split(".")) if (part.length > 8) expect(appError.message).not.toContain(part);
}

describe("createJwtVerifier: valid tokens", () => {
  it("turns an RS256 token into an oauth Caller, ignoring unknown scopes", async () => {
    const caller = await verifier().verify(await sign(validClaims()));
    expect(caller).toEqual({
      kind: "oauth",
      subject: "oauth:usr_42",
      tenantId: "ten_1",
      scopes: new Set(["admin:users:write", "admin:users:read"]),
    });
    expect("organizationId" in caller).toBe(false);
  });

  it.each(["ES256", "EdDSA"])("accepts %s and reads the organization claim", async (alg) => {
    const key = alg === "ES256" ? ec : ed;
    const caller = await verifier().verify(await sign({ ...validClaims(), org_id: "org_7" }, key));
    expect(caller.organizationId).toBe("org_7");
    expect(caller.tenantId).toBe("ten_1");
  });

  it.each([
    ["an API key id", "key_0b6f5c1e-8a4d-4c3b-9e2f-1a2b3c4d5e6f", "oauth:key_0b6f5c1e-8a4d-4c3b-9e2f-1a2b3c4d5e6f"],
    ["bootstrap", "bootstrap", "oauth:bootstrap"],
    ["an already prefixed one", "oauth:x", "oauth:oauth:x"],
  ])("namespaces a sub that looks like %s, so no token can pose as another credential", async (_name, sub, subject) => {
    expect((await verifier().verify(await sign({ ...validClaims(), sub }))).subject).toBe(subject);
  });

  it("accepts a token expired within the clock tolerance", async () => {
    const caller = await verifier().verify(await sign({ ...validClaims(), exp: now() - 10 }));
    expect(caller.subject).toBe("oauth:usr_42");
  });

  it("gives empty scopes when the scope claim is missing or not a string", async () => {
    const { scope: _dropped, ...noScope } = validClaims();
    expect((await verifier().verify(await sign(noScope))).scopes.size).toBe(0);
    const arrayScope = { ...validClaims(), scope: ["admin:users:write"] };
    expect((await verifier().verify(await sign(arrayScope))).scopes.size).toBe(0);
  });

  it("reads tenant and organization from configured claim names", async () => {
    const v = verifier({ tenantClaim: "https://avnology.net/tenant", organizationClaim: "https://avnology.net/org" });
    const { tenant_id: _t, ...claims } = validClaims();
    const token = await sign({ ...claims, "https://avnology.net/tenant": "ten_9", "https://avnology.net/org": "org_3" });
    expect(await v.verify(token)).toMatchObject({ tenantId: "ten_9", organizationId: "org_3" });
  });

  it("fetches the key set once and serves later tokens from jose's cache", async () => {
    const path = "/jwks.json?cache-test";
    const v = createJwtVerifier({ jwksUrl: `${baseUrl}${path}`, issuer, audience });
    for (const key of [rsa, ec, rsa, ed]) await v.verify(await sign(validClaims(), key));
    expect(hits.get(path)).toBe(1);
  });
});

describe("createJwtVerifier: rejected tokens are AVNOLOGY_AUTH_001", () => {
  const drop = (name: string) => () => {
    const claims = validClaims();
    delete claims[name];
    return claims;
  };
  it.each<[string, () => JWTPayload, RegExp]>([
    ["expired beyond the tolerance", () => ({ ...validClaims(), exp: now() - 60 }), /expired/],
    ["not valid yet beyond the tolerance", () => ({ ...validClaims(), nbf: now() + 120 }), /nbf/],
    ["wrong audience", () => ({ ...validClaims(), aud: "https://someone-else.test" }), /aud/],
    ["wrong issuer", () => ({ ...validClaims(), iss: "https://evil.test" }), /iss/],
    ["missing sub", drop("sub"), /sub/],
    ["empty sub", () => ({ ...validClaims(), sub: "" }), /subject/],
    ["missing exp", drop("exp"), /exp/],
    ["missing tenant claim", drop("tenant_id"), /tenant/],
    ["non-string tenant claim", () => ({ ...validClaims(), tenant_id: 7 }), /tenant/],
    ["non-string organization claim", () => ({ ...validClaims(), org_id: 7 }), /organization/],
    ["empty organization claim", () => ({ ...validClaims(), org_id: "" }), /organization/],
  ])("%s", async (_name, claims, reason) => {
    await expectUnauthenticated(await sign(claims()), reason);
  });

  it("rejects a signature by another key under a known kid", async () => {
    const impostor = await makeKey("RS256", rsa.kid);
    await expectUnauthenticated(await sign(validClaims(), impostor), /signature/);
  });

  it("rejects a token signed by a key the set does not have", async () => {
    const stranger = await makeKey("ES256", "unknown-kid");
    await expectUnauthenticated(await sign(validClaims(), stranger), /key/);
  });

  it("rejects a token whose payload was altered after signing", async () => {
    const [header, , signature] = (await sign(validClaims())).split(".");
    const forged = `${header}.${b64({ ...validClaims(), tenant_id: "ten_other" })}.${signature}`;
    await expectUnauthenticated(forged, /signature/);
  });

  it.each([
    ["no signature part", ""],
    ["a made-up signature part", "c2lnbmF0dXJl"],
  ])("rejects alg: none with %s", async (_name, signature) => {
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64(validClaims())}.${signature}`;
    await expectUnauthenticated(token, /algorithm/);
  });

  it("rejects HS256 signed with a shared secret", async () => {
    const secret = new TextEncoder().encode("a-shared-secret-of-at-least-32-bytes!!");
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: "HS256", kid: rsa.kid }).sign(secret);
    await expectUnauthenticated(token, /algorithm/);
  });

  it("rejects a valid signature whose algorithm is outside the allow-list", async () => {
    await expectUnauthenticated(await sign(validClaims(), rsa), /algorithm/, verifier({ algorithms: ["ES256"] }));
  });

  it("rejects garbage that merely looks like a JWT", async () => {
    await expectUnauthenticated("aaaa.bbbb.cccc", /malformed/);
  });
});

describe("createJwtVerifier: key sources and configuration", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "jwks-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("verifies against a JWKS file and rejects keys not in it", async () => {
    const file = join(dir, "jwks.json");
    await writeFile(file, JSON.stringify({ keys: [ec.jwk] }));
    const v = createJwtVerifier({ jwksFile: file, issuer, audience });
    expect((await v.verify(await sign(validClaims(), ec))).subject).toBe("oauth:usr_42");
    await expectUnauthenticated(await sign(validClaims(), rsa), /key/, v);
  });

  it("fails at creation on a missing or malformed JWKS file", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ not: "a key set" }));
    expect(() => createJwtVerifier({ jwksFile: join(dir, "missing.json"), issuer, audience })).toThrow();
    expect(() => createJwtVerifier({ jwksFile: bad, issuer, audience })).toThrow(/malformed/);
  });

  it.each<[string, Partial<JwtVerifierOptions>, RegExp]>([
    ["neither URL nor file", { jwksUrl: undefined }, /exactly one/],
    ["both URL and file", { jwksFile: "/tmp/x.json" }, /exactly one/],
    ["plain http off loopback", { jwksUrl: "http://issuer.test/jwks.json" }, /https/],
    ["alg none allowed", { algorithms: ["RS256", "none"] }, /asymmetric/],
    ["HS256 allowed", { algorithms: ["HS256"] }, /asymmetric/],
    ["empty allow-list", { algorithms: [] }, /asymmetric/],
  ])("refuses a configuration with %s", (_name, extra, message) => {
    expect(() => verifier(extra)).toThrow(message);
  });

  it("answers 950 (retry later), not 401, when the key set cannot be fetched", async () => {
    const v = createJwtVerifier({ jwksUrl: `${baseUrl}/down`, issuer, audience });
    const err = await v.verify(await sign(validClaims())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("AVNOLOGY_AUTH_950");
    expect((err as AppError).details.retryAfterSeconds).toBeGreaterThan(0);
  });
});
