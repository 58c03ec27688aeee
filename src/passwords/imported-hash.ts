// Password hashes brought from other systems (an import keeps users' passwords
// without a reset): Argon2id/i/d PHC strings, bcrypt ($2a$/$2b$/$2y$), scrypt
// and PBKDF2 in the PHC string format. Parsing is pure (the create path
// validates a hash before storing it); verifying runs the algorithm.
//
// Why cost caps: a stored hash decides what every later login costs. An
// imported "$2b$31$…" or a PBKDF2 hash with a billion iterations would turn
// each VerifyPassword into seconds of CPU, so a hash above the caps is refused
// at import, and refused again (never run) at verify.
//
// Why these libraries: Argon2 is the `argon2` package the service already
// hashes with (it verifies all three variants); bcrypt is the native `bcrypt`
// package (OpenBSD's implementation, run on the libuv pool like argon2, so a
// cost-14 compare does not block the event loop as a pure-JS one would);
// scrypt and PBKDF2 are Node's crypto (also on the pool). Each comparison of
// derived bytes is constant-time (timingSafeEqual; bcrypt and argon2 compare
// in constant time themselves).
import argon2 from "argon2";
import bcrypt from "bcrypt";
import { pbkdf2, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { parseArgon2Params } from "./argon2-params.js";

export interface ImportedHashCaps {
  readonly bcryptMaxCost: number;
  /** KiB, as Argon2's m parameter. */
  readonly argon2MaxMemoryKiB: number;
  readonly argon2MaxTime: number;
  /** Bytes of 128·N·r. */
  readonly scryptMaxMemoryBytes: number;
  readonly pbkdf2MaxIterations: number;
}

export const defaultImportedHashCaps: ImportedHashCaps = Object.freeze({
  bcryptMaxCost: 14,
  argon2MaxMemoryKiB: 64 * 1024,
  argon2MaxTime: 10,
  scryptMaxMemoryBytes: 64 * 1024 * 1024,
  pbkdf2MaxIterations: 10_000_000,
});

export type ImportedHash =
  | { readonly scheme: "argon2"; readonly variant: string; readonly phc: string }
  | { readonly scheme: "bcrypt"; readonly cost: number; readonly normalized: string }
  | { readonly scheme: "scrypt"; readonly n: number; readonly r: number; readonly p: number; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly scheme: "pbkdf2"; readonly digest: "sha256" | "sha512"; readonly iterations: number; readonly salt: Buffer; readonly hash: Buffer };

export type ParsedImportedHash = { readonly ok: true; readonly hash: ImportedHash } | { readonly ok: false; readonly message: string };

/** What a refusal tells the caller; never echoes the hash. */
export const acceptedFormats =
  "accepted formats: $argon2id$/$argon2i$/$argon2d$ PHC strings, bcrypt $2a$/$2b$/$2y$, " +
  "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>, $pbkdf2-sha256$i=<iterations>$<salt>$<hash>, " +
  "$pbkdf2-sha512$i=<iterations>$<salt>$<hash> (salt and hash in standard base64 without padding)";

// Standard base64 without padding, as the PHC string format writes it.
const b64 = /^[A-Za-z0-9+/]+$/;
// bcrypt: $2x$NN$ then 22 characters of salt and 31 of hash, in bcrypt's own alphabet.
const bcryptPattern = /^\$(2[aby])\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const scryptPattern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([^$]+)\$([^$]+)$/;
const pbkdf2Pattern = /^\$pbkdf2-(sha256|sha512)\$i=(\d{1,9})\$([^$]+)\$([^$]+)$/;

const refuse = (message: string): ParsedImportedHash => ({ ok: false, message });

export function parseImportedHash(text: string, caps: ImportedHashCaps = defaultImportedHashCaps): ParsedImportedHash {
  if (text.startsWith("$argon2")) return parseArgon2(text, caps);
  if (text.startsWith("$2")) return parseBcrypt(text, caps);
  if (text.startsWith("$scrypt$")) return parseScrypt(text, caps);
  if (text.startsWith("$pbkdf2-")) return parsePbkdf2(text, caps);
  return refuse(`is not a supported password hash; ${acceptedFormats}`);
}

function parseArgon2(text: string, caps: ImportedHashCaps): ParsedImportedHash {
  const params = parseArgon2Params(text);
  const parts = text.split("$"); // "", id, v=19, m=…,t=…,p=…, salt, hash
  if (params === undefined || params.version !== 0x13 || parts.length !== 6 || !b64.test(parts[4]!) || !b64.test(parts[5]!)) {
    return refuse(`is not a valid Argon2 PHC string ($argon2id$v=19$m=<KiB>,t=<n>,p=<n>$<salt>$<hash>); ${acceptedFormats}`);
  }
  if (params.m > caps.argon2MaxMemoryKiB) return refuse(`Argon2 memory ${params.m} KiB is above the limit of ${caps.argon2MaxMemoryKiB} KiB`);
  if (params.t > caps.argon2MaxTime) return refuse(`Argon2 time cost ${params.t} is above the limit of ${caps.argon2MaxTime}`);
  if (params.p < 1 || params.p > 16) return refuse("Argon2 parallelism must be between 1 and 16");
  return { ok: true, hash: { scheme: "argon2", variant: params.id, phc: text } };
}

function parseBcrypt(text: string, caps: ImportedHashCaps): ParsedImportedHash {
  const match = bcryptPattern.exec(text);
  if (match === null) return refuse(`is not a valid bcrypt hash ($2b$<cost>$<53 characters>); ${acceptedFormats}`);
  const cost = Number(match[2]);
  if (cost < 4) return refuse("bcrypt cost must be at least 4");
  if (cost > caps.bcryptMaxCost) return refuse(`bcrypt cost ${cost} is above the limit of ${caps.bcryptMaxCost}`);
  // $2y$ (PHP's name) is the same algorithm as $2b$; the native library knows only $2a$/$2b$.
  const normalized = match[1] === "2y" ? `$2b$${text.slice(4)}` : text;
  return { ok: true, hash: { scheme: "bcrypt", cost, normalized } };
}

function parseScrypt(text: string, caps: ImportedHashCaps): ParsedImportedHash {
  const match = scryptPattern.exec(text);
  if (match === null || !b64.test(match[4]!) || !b64.test(match[5]!)) {
    return refuse(`is not a valid scrypt hash ($scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>); ${acceptedFormats}`);
  }
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (ln < 1 || ln > 30 || r < 1 || p < 1 || p > 16) return refuse("scrypt parameters out of range (1 ≤ ln ≤ 30, r ≥ 1, 1 ≤ p ≤ 16)");
  const n = 2 ** ln;
  const memory = 128 * n * r;
  if (memory > caps.scryptMaxMemoryBytes) {
    return refuse(`scrypt memory 128·N·r = ${memory} bytes is above the limit of ${caps.scryptMaxMemoryBytes} bytes`);
  }
  const hash = Buffer.from(match[5]!, "base64");
  if (hash.length < 16) return refuse("scrypt hash must be at least 16 bytes");
  return { ok: true, hash: { scheme: "scrypt", n, r, p, salt: Buffer.from(match[4]!, "base64"), hash } };
}

function parsePbkdf2(text: string, caps: ImportedHashCaps): ParsedImportedHash {
  const match = pbkdf2Pattern.exec(text);
  if (match === null || !b64.test(match[3]!) || !b64.test(match[4]!)) {
    return refuse(`is not a valid PBKDF2 hash ($pbkdf2-sha256$i=<iterations>$<salt>$<hash>); ${acceptedFormats}`);
  }
  const iterations = Number(match[2]);
  if (iterations < 1) return refuse("PBKDF2 iterations must be at least 1");
  if (iterations > caps.pbkdf2MaxIterations) {
    return refuse(`PBKDF2 iterations ${iterations} are above the limit of ${caps.pbkdf2MaxIterations}`);
  }
  const hash = Buffer.from(match[4]!, "base64");
  if (hash.length < 16) return refuse("PBKDF2 hash must be at least 16 bytes");
  const digest = match[1] as "sha256" | "sha512";
  return { ok: true, hash: { scheme: "pbkdf2", digest, iterations, salt: Buffer.from(match[3]!, "base64"), hash } };
}

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

/**
 * Whether `password` matches a stored hash of any accepted format. Throws
 * (without the hash in the message) for a stored string that does not parse
 * or is above the caps, which is never run: a corrupt stored hash is a server
 * fault to see in the logs, not a silent "wrong password".
 */
export async function verifyAnyHash(stored: string, password: string, caps: ImportedHashCaps = defaultImportedHashCaps): Promise<boolean> {
  const parsed = parseImportedHash(stored, caps);
  if (!parsed.ok) throw new Error(`stored password hash refused: ${parsed.message}`);
  const hash = parsed.hash;
  switch (hash.scheme) {
    case "argon2":
      return argon2.verify(hash.phc, password);
    case "bcrypt":
      return bcrypt.compare(password, hash.normalized);
    case "scrypt": {
      // Node refuses above its 32 MiB default maxmem: allow what the caps allow, plus room.
      const maxmem = 128 * hash.r * (hash.n + 2 + hash.p) + 1024 * 1024;
      const derived = await scryptAsync(password, hash.salt, hash.hash.length, { N: hash.n, r: hash.r, p: hash.p, maxmem });
      return timingSafeEqual(derived, hash.hash);
    }
    case "pbkdf2": {
      const derived = await pbkdf2Async(password, hash.salt, hash.iterations, hash.hash.length, hash.digest);
      return timingSafeEqual(derived, hash.hash);
    }
  }
}
