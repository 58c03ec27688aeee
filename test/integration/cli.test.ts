// The admin CLI as a user runs it: the real bin (scripts/avnology-identity.mjs,
// from source through tsx) as a child process against a real server. The
// children run asynchronously: the server lives in this process.
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = join(root, "scripts/avnology-identity.mjs");
const execFileAsync = promisify(execFile);

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a shell without any AVNOLOGY_* setting, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AVNOLOGY_")));
  return { ...base, ...env };
}

async function run(file: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { cwd: root, env: cleanEnv(env), timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw err;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** A port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((listening) => probe.listen(0, "127.0.0.1", listening));
  const { port } = probe.address() as { port: number };
  await new Promise((closed) => probe.close(closed));
  return port;
}

describe("avnology-identity against a running server", () => {
  let server: TestServer;
  let adminKey = "";
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(bin, args, { AVNOLOGY_URL: server.baseUrl, AVNOLOGY_API_KEY: adminKey, ...env });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("tenant create: the bootstrap key makes a tenant; its admin key's secret is printed once, with a warning", { timeout: 120_000 }, async () => {
    const human = await run(bin, ["tenant", "create", "--name", "CLI Corp", "--url", server.baseUrl], {
      AVNOLOGY_BOOTSTRAP_KEY: server.config.auth.bootstrapKey ?? "",
    });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^tenant +ten_\S+$/m);
    expect(human.stdout).toMatch(/^secret +ak_live_\S+$/m);
    expect(human.stderr).toMatch(/^warning: the secret is shown once/);

    const json = await run(bin, ["tenant", "create", "--name", "CLI Corp 2", "--json", "--url", server.baseUrl, "--bootstrap-key", server.config.auth.bootstrapKey ?? ""]);
    expect(json.code, json.stderr).toBe(0);
    const created = JSON.parse(json.stdout);
    expect(created.api_key.tenant_id).toMatch(/^ten_/);
    expect(created.secret).toMatch(/^ak_live_/);
    adminKey = created.secret;
  });

  it("keys list (--json and human), keys create, keys revoke with the printed key", { timeout: 120_000 }, async () => {
    const listed = await cli(["keys", "list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ name: "CLI Corp 2", id: expect.stringMatching(/^key_/) });
    expect(JSON.stringify(keys)).not.toContain(adminKey); // secrets are never listed

    await cli(["orgs", "create", "--name", "Support", "--id", "org_support"]);
    const created = await cli(["keys", "create", "--name", "support desk", "--scopes", "admin:users:read", "--organization", "org_support", "--expires-at", "2030-01-01T00:00:00Z", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({
      secret: expect.stringMatching(/^ak_live_/),
      api_key: { name: "support desk", scopes: ["admin:users:read"], organization_id: "org_support", expires_at: "2030-01-01T00:00:00Z" },
    });
    expect(created.stderr).toMatch(/shown once/);

    const table = await cli(["keys", "list"]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +NAME +SCOPES +ORGANIZATION +EXPIRES +LAST USED +REVOKED$/);
    expect(lines).toHaveLength(3);
    expect(table.stdout).toMatch(new RegExp(`^${key.api_key.id} +support desk +admin:users:read +org_support +2030-01-01T00:00:00.000Z *$`, "m"));

    const revoked = await cli(["keys", "revoke", key.api_key.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${key.api_key.id} \\(support desk\\) at \\d{4}-`));
    const revokedKeyCall = await cli(["orgs", "list"], { AVNOLOGY_API_KEY: key.secret });
    expect(revokedKeyCall.code).toBe(1);
    expect(revokedKeyCall.stderr).toMatch(/^error: AVNOLOGY_AUTH_\d{3} .*\(401\)$/m);
  });

  it("orgs create and list", { timeout: 120_000 }, async () => {
    const created = await cli(["orgs", "create", "--name", "Engineering", "--id", "org_eng"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^id +org_eng$/m);
    const auto = await cli(["orgs", "create", "--name", "Sales", "--json"]);
    expect(JSON.parse(auto.stdout)).toMatchObject({ name: "Sales", id: expect.stringMatching(/^org_/) });

    const listed = await cli(["orgs", "list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((o: { name: string }) => o.name).sort()).toEqual(["Engineering", "Sales", "Support"]);
    const table = await cli(["orgs", "list"]);
    expect(table.stdout).toMatch(/^ID +NAME +CREATED$/m);
    expect(table.stdout).toMatch(/^org_eng +Engineering +\d{4}-/m);
  });

  it("identities get and list (an identity made over REST)", { timeout: 120_000 }, async () => {
    const made = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "ada@example.com", first_name: "Ada", organization_id: "org_eng" } }, {
      authorization: `Bearer ${adminKey}`,
    });
    expect(made.status, made.text).toBe(201);
    const id: string = made.json.id;

    const got = await cli(["identities", "get", id]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(new RegExp(`^id +${id}$`, "m"));
    expect(got.stdout).toMatch(/^email +ada@example\.com$/m);
    const gotJson = await cli(["identities", "get", id, "--json"]);
    expect(JSON.parse(gotJson.stdout)).toMatchObject({ id, email: "ada@example.com", first_name: "Ada", organization_id: "org_eng" });

    const listed = await cli(["identities", "list", "--organization", "org_eng", "--page-size", "1", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((i: { id: string }) => i.id)).toEqual([id]);
    const none = await cli(["identities", "list", "--email", "nobody@example.com", "--json"]);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const table = await cli(["identities", "list"]);
    expect(table.stdout).toMatch(new RegExp(`^${id} +ada@example\\.com +Ada +active +org_eng +\\d{4}-`, "m"));

    const missing = await cli(["identities", "get", "usr_00000000-0000-4000-8000-000000000000"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: AVNOLOGY_AUTH_\d{3} .*\(404\)$/m);
  });

  it("health: ready, exit 0; nothing listening: not ready, exit 1", { timeout: 120_000 }, async () => {
    const ready = await run(bin, ["health", "--url", server.baseUrl]);
    expect(ready).toMatchObject({ code: 0, stdout: `ready (${server.baseUrl})\n` });
    const json = await run(bin, ["health", "--json"], { AVNOLOGY_URL: server.baseUrl });
    expect(JSON.parse(json.stdout)).toMatchObject({ live: true, ready: true, healthz: { status: 200 }, readyz: { status: 200 } });
    const closedUrl = `http://127.0.0.1:${await closedPort()}`;
    const down = await run(bin, ["health", "--url", closedUrl]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^not ready \(http:\/\/127\.0\.0\.1:\d+\): unreachable/);
  });

  it("a bad key: error AVNOLOGY_AUTH_001 on stderr, exit 1", { timeout: 120_000 }, async () => {
    const bad = await cli(["keys", "list"], { AVNOLOGY_API_KEY: "ak_live_not-a-real-key" });
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toMatch(/^error: AVNOLOGY_AUTH_001 Authentication \S.* \(401\)\n$/);
  });

  it("usage errors exit 2 before any call", { timeout: 120_000 }, async () => {
    const usage = await cli(["keys", "create", "--scopes", "admin:users:read"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/required option '--name <name>'/);
  });
});

describe("npx --no-install avnology-identity", () => {
  it("runs the root package's bin from the repository, before any build", { timeout: 120_000 }, async () => {
    const help = await run("npx", ["--no-install", "avnology-identity", "--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: avnology-identity \[options\] \[command\]/);
  });
});
