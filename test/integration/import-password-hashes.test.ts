// Importing users with the password hashes of other systems: CreateIdentity
// with password_hash over REST (and once over gRPC) for each accepted format,
// then VerifyPassword with the right and a wrong password, and the stored
// hash migrated to Argon2id after the first success. Plus who may import, the
// 902s (never echoing the hash), a cap set by env, and no hash in the logs.
import argon2 from "argon2";
import bcrypt from "bcrypt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import {
  CreateIdentityRequestSchema,
  IdentityService,
  VerifyPasswordRequestSchema,
  VerifyPasswordResponseSchema,
} from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { scopes } from "../../src/auth/caller.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { rest } from "../support/rest.js";
import { createKey, createOrgBoundKey } from "../support/tenants.js";
import { startTestServer, testRateLimits, type TestServer } from "../support/test-server.js";

// Vectors of other implementations (see test/unit/passwords/imported-hash.test.ts for their sources).
const vectors: ReadonlyArray<{ name: string; password: string; hash: () => Promise<string> | string }> = [
  { name: "Argon2id (argon2 package)", password: "correct horse", hash: () => argon2.hash("correct horse", { type: argon2.argon2id, memoryCost: 4096, timeCost: 2, parallelism: 1 }) },
  { name: "Argon2i (reference README)", password: "password", hash: () => "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG" },
  { name: "bcrypt $2b$ (bcrypt package)", password: "correct horse", hash: () => bcrypt.hash("correct horse", 4) },
  { name: "bcrypt $2y$ (crypt_blowfish)", password: "U*U", hash: () => "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
  {
    name: "scrypt (RFC 7914)",
    password: "password",
    hash: () => "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA",
  },
  {
    name: "PBKDF2-sha256 (RFC 7914)",
    password: "passwd",
    hash: () => "$pbkdf2-sha256$i=1$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw",
  },
  {
    name: "PBKDF2-sha512 (hashlib)",
    password: "password",
    hash: () => "$pbkdf2-sha512$i=80000$TmFDbA$PjpF/lwI8t3jVEfTV8cqYld9wjzJEfnTXO+pqtVK/I9uyvte7CfQMHDsSAnHCJcEyTInEldyIreP63ODuCbMTw",
  },
];

const bcryptVector = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

let server: TestServer;
const logLines: string[] = [];
/** Every hash sent in this file, to look for in responses and logs. */
const sent: string[] = [];
let n = 0;

beforeAll(async () => {
  // A lower PBKDF2 cap than the default, to see IMPORT_* reach the create's validation.
  server = await startTestServer({ ...testRateLimits, IMPORT_PBKDF2_MAX_ITERATIONS: "100000" }, { logLines });
});
afterAll(async () => {
  await server?.close();
});

function importBody(passwordHash: string, extra: Record<string, unknown> = {}) {
  sent.push(passwordHash);
  return { identity: { email: `imported.${++n}@example.com` }, password_hash: passwordHash, ...extra };
}

async function storedHash(id: string): Promise<string> {
  const doc = await server.db.collection("identities").findOne({ _id: id as never });
  return doc?.["password_hash"] as string;
}

describe("CreateIdentity with password_hash, then VerifyPassword (REST)", () => {
  it.each(vectors)("$name: imported as is, verifies the right password only, then is Argon2id", async ({ password, hash }) => {
    const phc = await hash();
    const created = await rest(server.baseUrl, "POST", "/v1/identities", importBody(phc), server.auth);
    expect(created.status).toBe(201);
    expect(created.text).not.toContain(phc);
    expect(created.text).not.toMatch(/password/i);
    const id: string = created.json.id;
    expect(await storedHash(id)).toBe(phc);

    const verify = (pw: string) => rest(server.baseUrl, "POST", "/v1/identities:verifyPassword", { id, password: pw }, server.auth);
    const wrong = await verify(`${password}x`);
    expect({ status: wrong.status, valid: wrong.json.valid ?? false }).toEqual({ status: 200, valid: false });
    expect(await storedHash(id)).toBe(phc);

    const right = await verify(password);
    expect({ status: right.status, valid: right.json.valid }).toEqual({ status: 200, valid: true });
    const migrated = await storedHash(id);
    expect(migrated).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await verify(password)).json.valid).toBe(true);
    expect(await storedHash(id)).toBe(migrated);
  });
});

describe("who may import, and what is refused", () => {
  it("a key without admin:users:import: 403 AVNOLOGY_AUTH_100 on password_hash", async () => {
    const writer = await createKey(server, { scopes: scopes.filter((s) => s !== "admin:users:import") });
    const res = await rest(server.baseUrl, "POST", "/v1/identities", importBody(bcryptVector), writer.auth);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field: "password_hash" } });
    expect(res.text).not.toContain(bcryptVector);
    // The same key creates identities without a hash.
    expect((await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: `plain.${++n}@example.com` } }, writer.auth)).status).toBe(201);
  });

  it("an organization-bound key holding the scope: 403", async () => {
    const bound = await createOrgBoundKey(server, ["admin:users:write", "admin:users:read", "admin:users:import"]);
    const res = await rest(server.baseUrl, "POST", "/v1/identities", importBody(bcryptVector), bound.auth);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_100", details: { field: "password_hash" } });
  });

  const refused = [
    { name: "both initial_password and password_hash", hash: bcryptVector, extra: { initial_password: "a long passphrase here" }, says: /initial_password/ },
    { name: "a garbage hash", hash: "5f4dcc3b5aa765d61d8327deb882cf99", extra: {}, says: /accepted formats: .*argon2id.*2b.*scrypt.*pbkdf2-sha256.*pbkdf2-sha512/ },
    { name: "bcrypt above the default cost cap", hash: "$2b$15$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", extra: {}, says: /cost 15 is above the limit of 14/ },
    {
      name: "PBKDF2 above IMPORT_PBKDF2_MAX_ITERATIONS",
      hash: "$pbkdf2-sha256$i=100001$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw",
      extra: {},
      says: /above the limit of 100000/,
    },
  ];
  it.each(refused)("$name: 400 AVNOLOGY_AUTH_902 on password_hash, the hash not echoed, validate_only alike", async ({ hash, extra, says }) => {
    for (const validateOnly of [false, true]) {
      const res = await rest(server.baseUrl, "POST", "/v1/identities", importBody(hash, { ...extra, validate_only: validateOnly }), server.auth);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "password_hash" } });
      expect(res.json.error.details).not.toHaveProperty("value");
      const violation = res.json.error.details.violations.find((v: { field: string }) => v.field === "password_hash");
      expect(violation.message).toMatch(says);
      expect(res.text).not.toContain(hash);
    }
  });

  it("validate_only accepts a good hash and creates nothing", async () => {
    const body = importBody(bcryptVector, { validate_only: true });
    const res = await rest(server.baseUrl, "POST", "/v1/identities", body, server.auth);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(bcryptVector);
    expect(await server.db.collection("identities").countDocuments({ email: body.identity.email })).toBe(0);
  });
});

describe("over gRPC", () => {
  it("imports a bcrypt hash, verifies, and refuses a caller without the scope", async () => {
    const client = createGrpcClient(IdentityService, server.port);
    try {
      sent.push(bcryptVector);
      const email = `grpc.imported.${++n}@example.com`;
      const created = await client.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, { identity: { email }, passwordHash: bcryptVector }, server.auth);
      expect(created.error).toBeUndefined();
      const id = created.response!.id;
      const verify = (password: string) =>
        client.call("verifyPassword", VerifyPasswordRequestSchema, VerifyPasswordResponseSchema, { id, password }, server.auth);
      expect((await verify("U*V")).response?.valid).toBe(false);
      expect((await verify("U*U")).response?.valid).toBe(true);
      expect(await storedHash(id)).toMatch(/^\$argon2id\$/);

      const writer = await createKey(server, { scopes: ["admin:users:write"] });
      const refused = await client.call(
        "createIdentity",
        CreateIdentityRequestSchema,
        IdentitySchema,
        { identity: { email: `grpc.refused.${++n}@example.com` }, passwordHash: bcryptVector },
        writer.auth,
      );
      expect(refused.error?.code).toBe(7); // PERMISSION_DENIED
      expect(grpcErrorDetails(refused.error!).errorInfo?.reason).toBe("AVNOLOGY_AUTH_100");
      expect(refused.error?.message).toContain("password_hash");
      expect(refused.error?.message).not.toContain(bcryptVector);
    } finally {
      client.close();
    }
  });
});

describe("logs", () => {
  it("never hold an imported hash", () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const hash of sent) for (const line of logLines) expect(line).not.toContain(hash);
  });
});
