import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/domain/errors.js";
import {
  createDecoyHash,
  createPasswordHasher,
  defaultHasherOptions,
  type PasswordHasherOptions,
} from "../../../src/passwords/hasher.js";
import { parseArgon2Params } from "../../../src/passwords/argon2-params.js";

const hasher = createPasswordHasher(defaultHasherOptions);
// Cheap parameters where the cost itself is not under test.
const cheap: PasswordHasherOptions = { memoryCost: 1024, timeCost: 1, parallelism: 1, maxConcurrent: 1, maxQueue: 2 };

describe("createPasswordHasher (OWASP defaults)", () => {
  it("defaults are OWASP's Argon2id m=19456 KiB, t=2, p=1 with a 2/64 queue", () => {
    expect(defaultHasherOptions).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1, maxConcurrent: 2, maxQueue: 64 });
  });

  it("hashes to an Argon2id PHC string and verifies it", async () => {
    const phc = await hasher.hash("correct horse battery staple");
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await hasher.verify(phc, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(phc, "correct horse battery stapler")).toBe(false);
    expect(await hasher.verify(phc, "")).toBe(false);
    expect(hasher.needsRehash(phc)).toBe(false);
  });

  it("throws for a malformed PHC string and frees its queue slot", async () => {
    const h = createPasswordHasher(cheap);
    await expect(h.verify("not a hash", "x")).rejects.toThrow();
    expect(h.stats()).toEqual({ running: 0, queued: 0 });
    await expect(h.hash("x")).resolves.toMatch(/^\$argon2id\$/);
  });

  it("verifies imported formats through the same queue, and marks them for rehash to Argon2id", async () => {
    const h = createPasswordHasher(cheap);
    // crypt_blowfish's test vector ("U*U", cost 5) and RFC 7914's PBKDF2-HMAC-SHA256 vector ("passwd", "salt", c=1).
    const imported = [
      { stored: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", password: "U*U" },
      {
        stored: "$pbkdf2-sha256$i=1$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw",
        password: "passwd",
      },
    ];
    for (const { stored, password } of imported) {
      expect(await h.verify(stored, password)).toBe(true);
      expect(await h.verify(stored, `${password}!`)).toBe(false);
      expect(h.needsRehash(stored)).toBe(true);
    }
    expect(h.stats()).toEqual({ running: 0, queued: 0 });
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hasher.hash("same"), hasher.hash("same")]);
    expect(a).not.toBe(b);
  });

  it("verifies a non-ASCII password byte-exactly", async () => {
    const phc = await hasher.hash("pässwörd-😀");
    expect(await hasher.verify(phc, "pässwörd-😀")).toBe(true);
    expect(await hasher.verify(phc, "passwort-😀")).toBe(false);
  });
});

describe("needsRehash", () => {
  const salt = "c29tZXNhbHRzb21lc2FsdA";
  const hash = "c29tZWhhc2hzb21laGFzaHNvbWVoYXNoc29tZWhhc2g";
  it.each([
    ["same parameters", `$argon2id$v=19$m=19456,t=2,p=1$${salt}$${hash}`, false],
    ["stronger memory and time", `$argon2id$v=19$m=65536,t=3,p=1$${salt}$${hash}`, false],
    ["more lanes", `$argon2id$v=19$m=19456,t=2,p=4$${salt}$${hash}`, false],
    ["weaker memory", `$argon2id$v=19$m=8192,t=2,p=1$${salt}$${hash}`, true],
    ["weaker time", `$argon2id$v=19$m=19456,t=1,p=1$${salt}$${hash}`, true],
    ["stronger memory but weaker time", `$argon2id$v=19$m=65536,t=1,p=1$${salt}$${hash}`, true],
    ["argon2i", `$argon2i$v=19$m=19456,t=2,p=1$${salt}$${hash}`, true],
    ["old version 16", `$argon2id$v=16$m=19456,t=2,p=1$${salt}$${hash}`, true],
    ["bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", true],
    ["garbage", "not a hash", true],
  ])("%s → %s", (_name, phc, expected) => {
    expect(hasher.needsRehash(phc)).toBe(expected);
  });

  it("flags a real hash made with weaker parameters", async () => {
    const weak = createPasswordHasher({ ...cheap, memoryCost: 8192 });
    const phc = await weak.hash("pw");
    expect(parseArgon2Params(phc)).toEqual({ id: "argon2id", version: 19, m: 8192, t: 1, p: 1 });
    expect(hasher.needsRehash(phc)).toBe(true);
    expect(weak.needsRehash(phc)).toBe(false);
    expect(await hasher.verify(phc, "pw")).toBe(true); // old hashes still verify
  });
});

describe("bounded queue", () => {
  it("refuses at once when full while accepted work still completes", async () => {
    const h = createPasswordHasher(cheap); // 1 running + 2 waiting
    const order: string[] = [];
    const accepted = [h.hash("a"), h.hash("b"), h.hash("c")];
    accepted.forEach((p, i) => void p.then(() => order.push(`done${i}`)));
    expect(h.stats()).toEqual({ running: 1, queued: 2 });

    const refusedHash = h.hash("d");
    const refusedVerify = h.verify("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "d");
    refusedHash.catch(() => order.push("refused"));
    for (const refused of [refusedHash, refusedVerify]) {
      const err = await refused.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: "AVNOLOGY_AUTH_950", details: { retryAfterSeconds: 1 } });
    }

    const hashes = await Promise.all(accepted);
    // "At once": the refusal settled before any accepted hash finished.
    expect(order).toEqual(["refused", "done0", "done1", "done2"]);
    expect(await Promise.all(hashes.map((phc, i) => h.verify(phc, "abc"[i]!)))).toEqual([true, true, true]);
    expect(h.stats()).toEqual({ running: 0, queued: 0 });
    await expect(h.hash("e")).resolves.toMatch(/^\$argon2id\$/);
  });

  it("with maxQueue 0 runs up to maxConcurrent and refuses the rest", async () => {
    const h = createPasswordHasher({ ...cheap, maxConcurrent: 2, maxQueue: 0 });
    const running = [h.hash("a"), h.hash("b")];
    expect(h.stats()).toEqual({ running: 2, queued: 0 });
    await expect(h.hash("c")).rejects.toMatchObject({ code: "AVNOLOGY_AUTH_950" });
    await expect(Promise.all(running)).resolves.toHaveLength(2);
  });

  it.each([
    ["maxConcurrent 0", { ...cheap, maxConcurrent: 0 }],
    ["negative maxQueue", { ...cheap, maxQueue: -1 }],
  ])("rejects %s", (_name, options) => {
    expect(() => createPasswordHasher(options)).toThrow();
  });
});

describe("createDecoyHash", () => {
  it("computes one valid hash once and reuses it", async () => {
    const h = createPasswordHasher(cheap);
    const decoy = createDecoyHash(h);
    const [a, b] = await Promise.all([decoy(), decoy()]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(b).toBe(a);
    expect(await decoy()).toBe(a);
    expect(await h.verify(a, "any password")).toBe(false);
  });

  it("does not cache a failure", async () => {
    let calls = 0;
    const decoy = createDecoyHash({
      hash: async () => {
        calls++;
        if (calls === 1) throw new AppError("AVNOLOGY_AUTH_950", { retryAfterSeconds: 1 });
        return "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA";
      },
    });
    await expect(decoy()).rejects.toBeInstanceOf(AppError);
    await expect(decoy()).resolves.toMatch(/^\$argon2id\$/);
    expect(calls).toBe(2);
  });
});
