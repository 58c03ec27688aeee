// A tiny authorization server for tests: its own signing keys, a JWKS served
// on loopback, and tokens made to order (valid or broken in one way).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";

export const oauthIssuer = "https://issuer.test";
export const oauthAudience = "https://api-id.avnology.net";

export interface TestIssuer {
  /** The env that points a test server at this issuer. */
  readonly env: Record<string, string>;
  /** A signed RS256 token; claims override the defaults (sub, iss, aud, exp in 10 min). */
  token(claims: JWTPayload, options?: { readonly signWith?: "issuer" | "impostor" }): Promise<string>;
  /** An unsigned token (`alg: none`) with the same claims. */
  unsignedToken(claims: JWTPayload): string;
  close(): Promise<void>;
}

const kid = "test-key-1";

export async function startTestIssuer(): Promise<TestIssuer> {
  const real = await generateKeyPair("RS256", { extractable: true });
  // Same kid and algorithm, different key: a forged signature.
  const impostor = await generateKeyPair("RS256", { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(real.publicKey)), kid, alg: "RS256", use: "sig" }] });
  const server = createServer((_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const now = () => Math.floor(Date.now() / 1000);
  const claimsOf = (claims: JWTPayload): JWTPayload => ({
    sub: "oauth-user-1",
    iss: oauthIssuer,
    aud: oauthAudience,
    iat: now(),
    exp: now() + 600,
    ...claims,
  });
  const sign = (claims: JWTPayload, key: CryptoKey) =>
    new SignJWT(claimsOf(claims)).setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" }).sign(key);

  return {
    env: {
      OAUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      OAUTH_ISSUER: oauthIssuer,
      OAUTH_AUDIENCE: oauthAudience,
    },
    token: (claims, options) => sign(claims, options?.signWith === "impostor" ? impostor.privateKey : real.privateKey),
    unsignedToken(claims) {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      return `${part({ alg: "none", typ: "JWT" })}.${part(claimsOf(claims))}.`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
