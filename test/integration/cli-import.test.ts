// `avnology-identity import` as a user runs it: the real bin as an async
// child process (the server lives in this process) against a real server.
// A JSONL export with bcrypt, Argon2id, scrypt and PBKDF2 hashes imports
// with a progress bar (under a pseudo-terminal), every user then verifies
// with their old password and is rehashed to Argon2id, refused lines land in
// rejects.jsonl with their codes; a SIGKILLed import resumes without
// creating twice or writing a reject twice; CSV; --dry-run; and clear-text
// passwords past the caller's password budget end up created after per-item
// AVNOLOGY_AUTH_021 re-sends.
import { spawn } from "node:child_process";
import { pbkdf2Sync, randomBytes, scryptSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import argon2 from "argon2";
import bcrypt from "bcrypt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { createTenant } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = join(root, "scripts/avnology-identity.mjs");

interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a shell without any AVNOLOGY_* setting, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AVNOLOGY_")));
  return { ...base, ...env };
}

/** Runs a command to its end; `onStderr` sees stderr as it comes (and may kill the child). */
function run(file: string, args: readonly string[], env: Record<string, string>, onStderr?: (text: string, kill: () => void) => void): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { cwd: root, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, () => child.kill("SIGKILL"));
    });
    child.on("error", fail);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");
const scryptPhc = (password: string) => {
  const salt = randomBytes(16);
  return `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 }))}`;
};
const pbkdf2Phc = (password: string, digest: "sha256" | "sha512") => {
  const salt = randomBytes(16);
  return `$pbkdf2-${digest}$i=1000$${b64(salt)}$${b64(pbkdf2Sync(password, salt, 1000, digest === "sha256" ? 32 : 64, digest))}`;
};

const readJsonLines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { line: number; code: string; message: string; status: number; details: Record<string, unknown> });

let server: TestServer;
let scratch: string;
const adminKey = () => (server.auth["authorization"] ?? "").replace(/^Bearer /, "");
const cli = (args: readonly string[], env: Record<string, string> = {}, onStderr?: (text: string, kill: () => void) => void) =>
  run(bin, ["import", ...args], { AVNOLOGY_URL: server.baseUrl, AVNOLOGY_API_KEY: adminKey(), ...env }, onStderr);
const stored = (email: string) => server.db.collection("identities").findOne({ email });

beforeAll(async () => {
  server = await startTestServer();
  scratch = mkdtempSync(join(tmpdir(), "cli-import-"));
});
afterAll(async () => {
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("avnology-identity import", () => {
  it("imports bcrypt, Argon2id, scrypt and PBKDF2 hashes with a progress bar; each user verifies and is rehashed; refused lines are in rejects.jsonl", { timeout: 120_000 }, async () => {
    const users = [
      { email: "hash.bcrypt@example.com", password: "bcrypt's old secret", hash: await bcrypt.hash("bcrypt's old secret", 4) },
      {
        email: "hash.argon2id@example.com",
        password: "argon2 old secret",
        hash: await argon2.hash("argon2 old secret", { type: argon2.argon2id, memoryCost: 4096, timeCost: 2, parallelism: 1 }),
      },
      { email: "hash.scrypt@example.com", password: "scrypt old secret", hash: scryptPhc("scrypt old secret") },
      { email: "hash.pbkdf2-256@example.com", password: "pbkdf2 old secret", hash: pbkdf2Phc("pbkdf2 old secret", "sha256") },
      { email: "hash.pbkdf2-512@example.com", password: "pbkdf2 other secret", hash: pbkdf2Phc("pbkdf2 other secret", "sha512") },
    ];
    const lines = [
      JSON.stringify({ identity: { email: users[0]!.email, first_name: "Bea" }, password_hash: users[0]!.hash }),
      JSON.stringify({ identity: { email: users[1]!.email, firstName: "Ari" }, passwordHash: users[1]!.hash }), // JSON names work too
      "",
      JSON.stringify({ identity: { email: users[2]!.email }, password_hash: users[2]!.hash }),
      '{"identity": {"email": "broken@example.com"}, "password_hash": "$2b$04$unterminated', // line 5: not JSON
      JSON.stringify({ identity: { email: users[3]!.email }, password_hash: users[3]!.hash }),
      JSON.stringify({ identity: { email: "HASH.bcrypt@example.com" }, password_hash: users[0]!.hash }), // line 7: 014
      JSON.stringify({ identity: { email: "hash.md5@example.com" }, password_hash: "5f4dcc3b5aa765d61d8327deb882cf99" }), // line 8: 902
      JSON.stringify({ identity: { email: users[4]!.email }, password_hash: users[4]!.hash }),
      JSON.stringify({ identity: { email: "typo@example.com", frist_name: "Al" } }), // line 10: unknown field
    ];
    const file = join(scratch, "hashes.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");

    // A pseudo-terminal (util-linux script) so the CLI draws its bar; script exits with the CLI's code.
    const command = [bin, "import", file].map((a) => `'${a}'`).join(" ");
    const ran = await run("script", ["-qefc", command, "/dev/null"], { AVNOLOGY_URL: server.baseUrl, AVNOLOGY_API_KEY: adminKey() });
    expect(ran.code, ran.stdout + ran.stderr).toBe(1); // some lines were refused
    expect(ran.stdout).toMatch(/importing .*[\u2588\u2591]+.* \d+\/9 lines \| \d+ items\/s \| ETA \S+ \| \d+ rejected/);
    expect(ran.stdout).toMatch(/imported .*hashes\.jsonl: 9 lines, 5 created, 4 rejected/);
    for (const user of users) expect(ran.stdout).not.toContain(user.hash);

    const rejects = readJsonLines(join(scratch, "rejects.jsonl"));
    expect(rejects.map((r) => [r.line, r.code, r.status, r.details["field"]])).toEqual([
      [5, "AVNOLOGY_AUTH_902", 400, undefined],
      [7, "AVNOLOGY_AUTH_014", 409, "email"],
      [8, "AVNOLOGY_AUTH_902", 400, "password_hash"],
      [10, "AVNOLOGY_AUTH_902", 400, "identity.frist_name"],
    ]);
    expect(rejects[0]!.message).toMatch(/not valid JSON/);
    expect(rejects[1]!.details["value"]).toBe("HASH.bcrypt@example.com");
    const rejectsText = readFileSync(join(scratch, "rejects.jsonl"), "utf8");
    expect(rejectsText).not.toContain("$2b$04$unterminated");
    expect(rejectsText).not.toContain("5f4dcc3b5aa765d61d8327deb882cf99");
    for (const user of users) expect(rejectsText).not.toContain(user.hash);

    expect((await stored(users[0]!.email))?.["first_name"]).toBe("Bea");
    expect((await stored(users[1]!.email))?.["first_name"]).toBe("Ari");
    for (const user of users) {
      const id = String((await stored(user.email))?._id);
      expect((await stored(user.email))?.["password_hash"]).toBe(user.hash);
      const verify = (password: string) => rest(server.baseUrl, "POST", "/v1/identities:verifyPassword", { id, password }, server.auth);
      expect((await verify(`${user.password}!`)).json.valid ?? false, user.email).toBe(false);
      expect((await verify(user.password)).json.valid, user.email).toBe(true);
      expect((await stored(user.email))?.["password_hash"], user.email).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    }
    expect(await stored("broken@example.com")).toBeNull();
    expect(await stored("hash.md5@example.com")).toBeNull();
  });

  it("a SIGKILLed import, started again with the same arguments, finishes without creating twice or repeating a reject", { timeout: 150_000 }, async () => {
    const tenant = await createTenant(server, "Resume Corp");
    const total = 2000;
    const broken = new Set([7, 1234, 1999]); // 1-based lines that are not JSON
    const lines = Array.from({ length: total }, (_, i) =>
      broken.has(i + 1) ? `{"identity": {"email": "broken.${i}@example.com"` : JSON.stringify({ identity: { email: `resume.${i}@example.com` } }),
    );
    const file = join(scratch, "resume.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    const args = [file, "--batch-size", "25", "--concurrency", "2", "--rejects", join(scratch, "resume-rejects.jsonl")];
    const env = { AVNOLOGY_API_KEY: tenant.secret };

    const killed = await cli(args, env, (stderr, kill) => {
      if (/^importing: \d+\/2000 lines/m.test(stderr)) kill();
    });
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const state = JSON.parse(readFileSync(`${file}.import-state.json`, "utf8"));
    expect(state.completedAt).toBeUndefined();
    expect(state.doneBelow + state.doneAbove.length).toBeGreaterThan(0);

    const resumed = await cli([...args, "--json"], env);
    expect(resumed.code, resumed.stderr).toBe(1); // the broken lines
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ outcome: "complete", lines: total, totals: { created: total - broken.size, rejected: broken.size } });
    expect(summary.skipped).toBeGreaterThan(0);
    expect(summary.created).toBeGreaterThan(0);

    const identities = server.db.collection("identities");
    expect(await identities.countDocuments({ tenant_id: tenant.tenantId })).toBe(total - broken.size);
    const rejects = readJsonLines(join(scratch, "resume-rejects.jsonl"));
    expect(rejects.map((r) => r.line).sort((a, b) => a - b)).toEqual([...broken].sort((a, b) => a - b));
    expect(rejects.every((r) => r.code === "AVNOLOGY_AUTH_902")).toBe(true);

    const again = await cli(args, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^nothing to do: .*resume\.jsonl was imported completely \(1997 created, 3 rejected/);
    expect(again.stdout).toContain(`delete ${file}.import-state.json`);
  });

  it("reads CSV: proto or JSON column names, quoted cells, booleans; an unknown column is a usage error", { timeout: 120_000 }, async () => {
    const hash = pbkdf2Phc("csv old secret", "sha256");
    const file = join(scratch, "users.csv");
    writeFileSync(
      file,
      [
        "email,first_name,lastName,email_verified,password_hash",
        `csv.one@example.com,Ada,"Lovelace, Countess",true,${hash}`,
        "csv.two@example.com,,Hopper,FALSE,",
        "csv.three@example.com,Too,Many,true,,extra",
        "csv.four@example.com,Bad,Bool,maybe,",
      ].join("\r\n") + "\r\n",
    );
    const ran = await cli([file, "--format", "csv", "--rejects", join(scratch, "csv-rejects.jsonl"), "--json"]);
    expect(ran.code, ran.stderr).toBe(1);
    expect(JSON.parse(ran.stdout)).toMatchObject({ lines: 4, created: 2, rejected: 2, rejected_by_code: { AVNOLOGY_AUTH_902: 2 } });
    expect(ran.stderr).toMatch(/^importing: 4\/4 lines \(100%\)/m);
    expect(await stored("csv.one@example.com")).toMatchObject({ first_name: "Ada", last_name: "Lovelace, Countess", email_verified: true, password_hash: hash });
    expect(await stored("csv.two@example.com")).toMatchObject({ last_name: "Hopper", email_verified: false });
    const rejects = readJsonLines(join(scratch, "csv-rejects.jsonl"));
    expect(rejects.map((r) => [r.line, r.details["field"]])).toEqual([
      [4, undefined],
      [5, "identity.email_verified"],
    ]);
    expect(rejects[0]!.message).toMatch(/6 fields where the header names 5/);

    const unknown = join(scratch, "unknown.csv");
    writeFileSync(unknown, "email,nickname\ncsv.five@example.com,Five\n");
    const refused = await cli([unknown, "--format", "csv"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unknown CSV column "nickname"; the known columns are: email, username, first_name, .*initial_password, password_hash/);
    expect(await stored("csv.five@example.com")).toBeNull();
    expect(existsSync(`${unknown}.import-state.json`)).toBe(false);
  });

  it("--dry-run validates every line, reports what would be refused, creates nothing and keeps no state", { timeout: 120_000 }, async () => {
    expect((await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "dry.taken@example.com" } }, server.auth)).status).toBe(201);
    const file = join(scratch, "dry.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ identity: { email: "dry.one@example.com" }, password_hash: await bcrypt.hash("dry secret", 4) }),
        JSON.stringify({ identity: { email: "dry.taken@example.com" } }),
        JSON.stringify({ identity: { email: "dry.two@example.com" }, password_hash: "$2b$99$not-a-hash" }),
        JSON.stringify({ identity: { email: "dry.three@example.com" } }),
      ].join("\n"),
    );
    const rejectsPath = join(scratch, "dry-rejects.jsonl");
    const ran = await cli([file, "--dry-run", "--json", "--rejects", rejectsPath]);
    expect(ran.code, ran.stderr).toBe(1);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      dry_run: true,
      outcome: "complete",
      lines: 4,
      created: 2,
      rejected: 2,
      rejected_by_code: { AVNOLOGY_AUTH_014: 1, AVNOLOGY_AUTH_902: 1 },
    });
    expect(readJsonLines(rejectsPath).map((r) => [r.line, r.code])).toEqual([
      [2, "AVNOLOGY_AUTH_014"],
      [3, "AVNOLOGY_AUTH_902"],
    ]);
    expect(await stored("dry.one@example.com")).toBeNull();
    expect(await stored("dry.three@example.com")).toBeNull();
    expect(existsSync(`${file}.import-state.json`)).toBe(false);
  });
});

describe("avnology-identity import with a tiny password budget", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ RATE_LIMIT_PASSWORD_RPS: "3", RATE_LIMIT_PASSWORD_BURST: "3" });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("clear-text passwords beyond the budget are re-sent after AVNOLOGY_AUTH_021 until every one is created", { timeout: 120_000 }, async () => {
    const users = Array.from({ length: 12 }, (_, i) => ({ email: `budget.${i}@example.com`, password: `a long passphrase number ${i} for the budget` }));
    const file = join(scratch, "budget.jsonl");
    writeFileSync(file, users.map((u) => JSON.stringify({ identity: { email: u.email }, initial_password: u.password })).join("\n") + "\n");
    const key = (limited.auth["authorization"] ?? "").replace(/^Bearer /, "");
    const ran = await run(bin, ["import", file, "--batch-size", "6", "--concurrency", "2", "--rejects", join(scratch, "budget-rejects.jsonl"), "--json"], {
      AVNOLOGY_URL: limited.baseUrl,
      AVNOLOGY_API_KEY: key,
    });
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    const summary = JSON.parse(ran.stdout);
    expect(summary).toMatchObject({ outcome: "complete", created: 12, rejected: 0 });
    expect(summary.resent).toBeGreaterThan(0);
    for (const user of users) {
      const doc = await limited.db.collection("identities").findOne({ email: user.email });
      expect(doc?.["password_hash"], user.email).toMatch(/^\$argon2id\$/);
    }
  });
});
