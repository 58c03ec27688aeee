// Imported password hashes: each format is checked against vectors made by
// other implementations (RFC 7914 for scrypt and PBKDF2-HMAC-SHA256, the
// Argon2 reference implementation's README, crypt_blowfish's test vectors for
// bcrypt, Python's hashlib for PBKDF2-HMAC-SHA512) and against hashes that
// the `argon2` and `bcrypt` packages write.
import argon2 from "argon2";
import bcrypt from "bcrypt";
import { describe, expect, it } from "vitest";
import { defaultImportedHashCaps, parseImportedHash, verifyAnyHash } from "../../../src/passwords/imported-hash.js";

// RFC 7914 §12, scrypt test vector 3: P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64.
const rfcScrypt = "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA";
// Python hashlib.scrypt(b"hunter2", salt=b"saltsaltsalt", n=2**16, r=8, p=1, dklen=32): exactly at the 64 MiB cap,
// above Node's default maxmem of 32 MiB.
const pythonScryptAtCap = "$scrypt$ln=16,r=8,p=1$c2FsdHNhbHRzYWx0$1QycYmnp7cMNghjm3n5Ai1yMyMWS1aAXrSsZyNVGykA";
// RFC 7914 §11, PBKDF2-HMAC-SHA256 test vector 1: P="passwd", S="salt", c=1, dkLen=64.
const rfcPbkdf2 = "$pbkdf2-sha256$i=1$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw";
// Python hashlib.pbkdf2_hmac("sha512", b"password", b"NaCl", 80000, 64).
const pythonPbkdf2Sha512 =
  "$pbkdf2-sha512$i=80000$TmFDbA$PjpF/lwI8t3jVEfTV8cqYld9wjzJEfnTXO+pqtVK/I9uyvte7CfQMHDsSAnHCJcEyTInEldyIreP63ODuCbMTw";
// The Argon2 reference implementation's README: "password", salt "somesalt", t=2, m=64 MiB, p=4, 24 bytes.
const referenceArgon2i = "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
// crypt_blowfish (Openwall) test vectors: "U*U" at cost 5, as $2a$ and as PHP's $2y$.
const openwallBcrypt2a = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
const openwallBcrypt2y = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

describe("verifyAnyHash against other implementations' vectors", () => {
  const cases = [
    { name: "scrypt (RFC 7914)", stored: rfcScrypt, password: "password" },
    { name: "scrypt at the 64 MiB cap (hashlib)", stored: pythonScryptAtCap, password: "hunter2" },
    { name: "pbkdf2-sha256 (RFC 7914)", stored: rfcPbkdf2, password: "passwd" },
    { name: "pbkdf2-sha512 (hashlib)", stored: pythonPbkdf2Sha512, password: "password" },
    { name: "argon2i (reference README)", stored: referenceArgon2i, password: "password" },
    { name: "bcrypt $2a$ (crypt_blowfish)", stored: openwallBcrypt2a, password: "U*U" },
    { name: "bcrypt $2y$ (crypt_blowfish)", stored: openwallBcrypt2y, password: "U*U" },
  ];
  it.each(cases)("$name: the right password verifies, a wrong one does not", async ({ stored, password }) => {
    expect(parseImportedHash(stored).ok).toBe(true);
    expect(await verifyAnyHash(stored, password)).toBe(true);
    expect(await verifyAnyHash(stored, `${password}x`)).toBe(false);
  });
});

describe("verifyAnyHash against hashes the libraries write", () => {
  it.each([
    ["argon2id", argon2.argon2id],
    ["argon2i", argon2.argon2i],
    ["argon2d", argon2.argon2d],
  ] as const)("%s", async (_name, type) => {
    const stored = await argon2.hash("correct horse", { type, memoryCost: 4096, timeCost: 2, parallelism: 1 });
    expect(await verifyAnyHash(stored, "correct horse")).toBe(true);
    expect(await verifyAnyHash(stored, "correct horsf")).toBe(false);
  });
  it("bcrypt $2b$", async () => {
    const stored = await bcrypt.hash("correct horse", 4);
    expect(stored.startsWith("$2b$04$")).toBe(true);
    expect(await verifyAnyHash(stored, "correct horse")).toBe(true);
    expect(await verifyAnyHash(stored, "correct horsf")).toBe(false);
  });
});

describe("parseImportedHash refuses", () => {
  const refused: ReadonlyArray<{ name: string; text: string; says: RegExp }> = [
    { name: "an unknown format", text: "5f4dcc3b5aa765d61d8327deb882cf99", says: /accepted formats/ },
    { name: "clear text", text: "SecureP@ssw0rd!", says: /accepted formats/ },
    { name: "bcrypt above the cost cap", text: "$2b$15$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", says: /cost 15 is above/ },
    { name: "bcrypt below cost 4", text: "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", says: /at least 4/ },
    { name: "truncated bcrypt", text: "$2b$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9", says: /valid bcrypt/ },
    { name: "Argon2 above the memory cap", text: "$argon2id$v=19$m=131072,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", says: /memory 131072 KiB/ },
    { name: "Argon2 above the time cap", text: "$argon2id$v=19$m=19456,t=11,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", says: /time cost 11/ },
    { name: "Argon2 version 16", text: "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", says: /valid Argon2/ },
    { name: "scrypt above the memory cap (128·2^17·8 = 128 MiB)", text: "$scrypt$ln=17,r=8,p=1$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWI", says: /above the limit/ },
    { name: "scrypt with padding", text: "$scrypt$ln=10,r=8,p=1$TmFDbA==$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWI", says: /valid scrypt/ },
    { name: "PBKDF2 above the iteration cap", text: "$pbkdf2-sha256$i=10000001$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw", says: /above the limit/ },
    { name: "PBKDF2 with an unknown digest", text: "$pbkdf2-md5$i=1000$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw", says: /valid PBKDF2/ },
    { name: "PBKDF2 with a short hash", text: "$pbkdf2-sha256$i=1000$c2FsdA$VawEblbj", says: /at least 16 bytes/ },
  ];
  it.each(refused)("$name", ({ text, says }) => {
    const parsed = parseImportedHash(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toMatch(says);
      expect(parsed.message).not.toContain(text); // a hash is never echoed
    }
  });

  it("caps are configurable", () => {
    const bcrypt12 = "$2b$12$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    expect(parseImportedHash(bcrypt12).ok).toBe(true);
    expect(parseImportedHash(bcrypt12, { ...defaultImportedHashCaps, bcryptMaxCost: 11 }).ok).toBe(false);
  });

  it("a stored hash above the caps is never run at verify, and its error does not echo it", async () => {
    const tight = { ...defaultImportedHashCaps, pbkdf2MaxIterations: 0 };
    const refused = verifyAnyHash(rfcPbkdf2, "passwd", tight);
    await expect(refused).rejects.toThrow(/above the limit/);
    await expect(refused).rejects.not.toThrow(rfcPbkdf2);
  });
});
