// The CLI import rows: users from a JSONL file through `avnology-identity
// import` (the real bin, a child process, against the bench's service), the
// whole file timed from start to exit, each against a ceiling measured in
// the same run on the same machine and database:
//
// - pre-hashed (`password_hash` in four formats, rotating: Argon2id, bcrypt,
//   scrypt, PBKDF2): the raw driver's unordered insertMany of the same
//   documents (built by the store's toDocument), 1,000 a call, 4 in flight,
//   the CLI's defaults;
// - clear-text passwords (`initial_password`, each hashed by the service):
//   Argon2id's own rate with the service's parameters and its number of
//   hashes at once (ARGON2_MAX_CONCURRENT), measured in this process for a
//   fixed window just before: how close the import comes to hashing alone.
//
// The bench's service runs with rate limits off, so the password budget does
// not pace the clear-text import (with the default 5/s it would take 5.5 h).
// What each import created is deleted after it (the "bench." emails).
import { spawn } from "node:child_process";
import { pbkdf2Sync, randomBytes, randomUUID, scryptSync } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import argon2 from "argon2";
import bcrypt from "bcrypt";
import { MongoClient } from "mongodb";
import { toDocument } from "../src/store/identity-store.js";
import { seedIdentity } from "./database.js";
import { perSecond, type RowResult } from "./report.js";

export interface CliImportContext {
  readonly baseUrl: string;
  /** An admin key secret holding admin:users:write and admin:users:import. */
  readonly apiKey: string;
  readonly mongodbUri: string;
  readonly tenantId: string;
  readonly createdBy: string;
  /** The service's Argon2id parameters and how many hashes it runs at once. */
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  readonly hashesAtOnce: number;
  readonly smoke: boolean;
  readonly log: (line: string) => void;
  /** Deletes the identities whose emails start with one of `prefixes`, prefix by prefix. */
  readonly removeCreated: (prefixes: readonly string[]) => Promise<void>;
}

/**
 * Emails spread over ten prefixes (`bench.cli.<i mod 10>.`): deleted one
 * prefix at a time, each well under the 65,535 documents FerretDB can delete
 * in one statement (bench/database.ts).
 */
const emailOf = (kind: string, i: number, tag: string) => `bench.cli.${i % 10}.${kind}${i}.${tag}@example.com`;
const cliPrefixes = Array.from({ length: 10 }, (_, d) => `bench.cli.${d}.`);

const root = join(import.meta.dirname, "..");
const bin = join(root, "scripts/avnology-identity.mjs");
const callSize = 1_000;
const inFlight = 4;

export async function measurePreHashedCliImport(ctx: CliImportContext, users: number): Promise<RowResult> {
  const dir = mkdtempSync(join(tmpdir(), "avnology-bench-import-"));
  try {
    const hashes = await sampleHashes();
    const tag = randomBytes(3).toString("hex");
    const emails = Array.from({ length: users }, (_, i) => emailOf("hashed", i, tag));
    const hashOf = (i: number) => hashes[i % hashes.length]!;
    const file = join(dir, "users.jsonl");
    await writeLines(file, users, (i) => ({ identity: { email: emails[i], first_name: "Jane", last_name: `Smith${i}` }, password_hash: hashOf(i) }));

    const ceilingMs = await rawInsertMany(ctx, users, (i) => {
      const identity = { ...seedIdentity(ctx, i, new Date()), email: emails[i]!, phone: "", traits: undefined };
      return toDocument({ ...identity, firstName: "Jane", lastName: `Smith${i}` }, hashOf(i));
    });
    await ctx.removeCreated(cliPrefixes);
    const cli = await runCliImport(ctx, file, users);
    await ctx.removeCreated(cliPrefixes);
    const ratio = ceilingMs / cli.ms;
    return {
      measure: `${users.toLocaleString("en-US")} pre-hashed users (Argon2id, bcrypt, scrypt, PBKDF2) from a JSONL file through \`avnology-identity import\`: ${seconds(cli.ms)}`,
      ceiling: `raw driver \`insertMany\` of the same documents, ${callSize} a call, ${inFlight} in flight: ${seconds(ceilingMs)}`,
      value: ratio,
      min: ratio,
      max: ratio,
      unit: "ratio",
      target: { op: ">=", bound: 0.7 },
      detail: `${perSecond((users * 1000) / cli.ms)} vs ${perSecond((users * 1000) / ceilingMs)} users; one run (the whole file)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureClearTextCliImport(ctx: CliImportContext, users: number): Promise<RowResult> {
  const dir = mkdtempSync(join(tmpdir(), "avnology-bench-import-"));
  try {
    const file = join(dir, "users.jsonl");
    const tag = randomBytes(3).toString("hex");
    await writeLines(file, users, (i) => ({
      identity: { email: emailOf("clear", i, tag) },
      initial_password: `Import-${i}-${tag}-k7#Rq2!vW9zLm4`,
    }));
    const argonRate = await argon2Rate(ctx, ctx.smoke ? 1_000 : 20_000);
    ctx.log(`import-cli-clear-text: Argon2id ceiling ${argonRate.toFixed(1)} hashes/s (${ctx.hashesAtOnce} at once)`);
    const cli = await runCliImport(ctx, file, users);
    await ctx.removeCreated(cliPrefixes);
    const rate = (users * 1000) / cli.ms;
    const ratio = rate / argonRate;
    return {
      measure: `${users.toLocaleString("en-US")} users with clear-text passwords (hashed by the service) through \`avnology-identity import\`: ${seconds(cli.ms)}`,
      ceiling: `Argon2id alone, the service's parameters, ${ctx.hashesAtOnce} at once: ${perSecond(argonRate)} (${seconds((users * 1000) / argonRate)} for the file)`,
      value: ratio,
      min: ratio,
      max: ratio,
      unit: "ratio",
      target: { op: ">=", bound: 0.8 },
      detail: `${perSecond(rate)} users vs ${perSecond(argonRate)} hashes; one run (the whole file), ceiling over ${ctx.smoke ? 1 : 20} s just before`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One hash per accepted format, each of its password (the import does not verify them). */
async function sampleHashes(): Promise<string[]> {
  const b64 = (b: Buffer) => b.toString("base64").replace(/=+$/, "");
  const password = "an old password from the other system";
  const salt = randomBytes(16);
  return [
    await argon2.hash(password, { type: argon2.argon2id }),
    await bcrypt.hash(password, 10),
    `$scrypt$ln=15,r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 }))}`,
    `$pbkdf2-sha256$i=600000$${b64(salt)}$${b64(pbkdf2Sync(password, salt, 600_000, 32, "sha256"))}`,
  ];
}

async function writeLines(file: string, count: number, line: (i: number) => unknown): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${JSON.stringify(line(i))}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** Milliseconds to insert `count` documents: `callSize` a call, `inFlight` calls at once. */
async function rawInsertMany(ctx: CliImportContext, count: number, document: (i: number) => ReturnType<typeof toDocument>): Promise<number> {
  const client = await MongoClient.connect(ctx.mongodbUri, { maxPoolSize: inFlight });
  try {
    const identities = client.db().collection<ReturnType<typeof toDocument>>("identities");
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) {
          const from = next;
          next = Math.min(count, next + callSize);
          const docs = Array.from({ length: next - from }, (_, k) => document(from + k));
          const result = await identities.insertMany(docs, { ordered: false });
          if (result.insertedCount !== docs.length) throw new Error(`raw insertMany: ${result.insertedCount} of ${docs.length}`);
        }
      }),
    );
    return performance.now() - started;
  } finally {
    await client.close();
  }
}

/** Argon2id hashes per second with the service's parameters, `hashesAtOnce` at a time, for `windowMs`. */
async function argon2Rate(ctx: CliImportContext, windowMs: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: ctx.hashesAtOnce }, async () => {
      while (performance.now() - started < windowMs) {
        await argon2.hash(randomUUID(), { type: argon2.argon2id, ...ctx.argon2 });
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - started);
}

/** Runs the CLI on `file` until it exits; fails unless it created exactly `expected` users. */
async function runCliImport(ctx: CliImportContext, file: string, expected: number): Promise<{ ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, "import", file, "--json"], {
    cwd: root,
    env: { ...process.env, AVNOLOGY_URL: ctx.baseUrl, AVNOLOGY_API_KEY: ctx.apiKey },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    const lines = stderr.split("\n");
    stderr = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") ctx.log(`  cli: ${line.trim()}`);
  });
  const [code] = (await once(child, "exit")) as [number | null];
  const ms = performance.now() - started;
  const summary = JSON.parse(stdout) as { created?: number; rejected?: number; rejected_by_code?: Record<string, number> };
  if (code !== 0 || summary.created !== expected) {
    throw new Error(`the CLI import exited ${code}: created ${summary.created} of ${expected}, rejected ${JSON.stringify(summary.rejected_by_code)}`);
  }
  return { ms };
}

const seconds = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);
