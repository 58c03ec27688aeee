// README.md, followed literally: every fenced code block tagged sh / bash /
// shell, ts / typescript or js / javascript / mjs runs, in document order,
// against one real server (test/support/test-server.ts), so the README
// cannot drift from what the service does.
//
// The convention for README authors:
// - Blocks tagged sh, bash, shell, ts, typescript, js, javascript or mjs run.
//   Blocks with another tag or none (trees, JSON, text) are not code and
//   are not run.
// - A block that must not run carries, on the line before its opening fence,
//   `<!-- readme-test: skip (reason) -->` (a reason is required).
// - sh blocks: each command runs with bash as written (continuation lines
//   and multi-line quotes included; `# comments` dropped). A curl command
//   must answer 2xx, unless its trailing comment says `→ NNN` (e.g.
//   `# → 409`), and must print no progress meter (use -s). Any other command
//   must exit 0. `NAME=value` (or `export NAME=value`) lines set a variable
//   that every later command sees in its environment.
// - ts blocks are type-checked with `tsc --strict --noEmit --module nodenext
//   --target es2022 --skipLibCheck`, then run with tsx; js blocks run with
//   `node --import tsx`. Both from the repository root (so `./gen/...` and
//   `@avnology/identity/sdk` resolve), and must exit 0. (All ts blocks are
//   type-checked in one tsc run, before the blocks run.)
// - Placeholders, the only text replaced:
//   - `localhost:8080` and `127.0.0.1:8080`: the test server;
//   - `$BOOTSTRAP_KEY`: the server's bootstrap key (an environment variable);
//   - `NAME=ak_live_...`: the "secret" of the previous command's answer;
//     `ak_live_...` anywhere else: $ADMIN_KEY;
//   - `usr_...`, `key_...`, `org_...`, `ten_...`: the first such id in the most
//     recent answer that created something (HTTP 201).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeBlocks, shellCommands, type ShellCommand } from "../support/readme-blocks.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const runnable: Record<string, "sh" | "ts" | "js"> = {
  sh: "sh", bash: "sh", shell: "sh", ts: "ts", typescript: "ts", js: "js", javascript: "js", mjs: "js",
};

interface Answer {
  readonly status: number | undefined;
  readonly output: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { cwd: root, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const markdown = readFileSync(join(root, "README.md"), "utf8");
const blocks = codeBlocks(markdown);

describe("README.md, followed literally", () => {
  let server: TestServer;
  let scratch: string;
  const vars: Record<string, string> = {};
  const answers: Answer[] = [];

  beforeAll(async () => {
    // The SDK section imports the built workspace package, as a user's project would.
    await run("npm", ["run", "-s", "build", "-w", "@avnology/identity-sdk"], process.env);
    server = await startTestServer();
    vars["BOOTSTRAP_KEY"] = server.config.auth.bootstrapKey ?? "";
    // A curl in front of the real one that reports the status on stderr, so
    // each command's stdout stays exactly what a reader sees.
    scratch = mkdtempSync(join(tmpdir(), "readme-test-"));
    mkdirSync(join(scratch, "bin"));
    const realCurl = (await run("sh", ["-c", "command -v curl"], process.env)).stdout.trim();
    writeFileSync(join(scratch, "bin/curl"), `#!/bin/sh\nexec ${realCurl} "$@" -w '%{stderr}readme-test-status %{http_code}\\n'\n`);
    chmodSync(join(scratch, "bin/curl"), 0o755);
  });
  afterAll(async () => {
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** The documented placeholders, filled in; nothing else changes. */
  function substitute(text: string): string {
    const host = `127.0.0.1:${server.port}`;
    let out = text.replaceAll("localhost:8080", host).replaceAll("127.0.0.1:8080", host);
    out = out.replace(/\b(usr|key|org|ten)_\.\.\./g, (placeholder, prefix: string) => {
      const created = [...answers].reverse().find((a) => a.status === 201 && new RegExp(`\\b${prefix}_[\\w-]+`).test(a.output));
      const id = created && new RegExp(`\\b${prefix}_[\\w-]+`).exec(created.output)?.[0];
      if (!id) throw new Error(`no earlier answer created a ${placeholder}`);
      return id;
    });
    return out.replaceAll("ak_live_...", vars["ADMIN_KEY"] ?? "ak_live_...");
  }

  const env = () => ({ ...process.env, ...vars, PATH: `${join(scratch, "bin")}:${join(root, "node_modules/.bin")}:${process.env["PATH"] ?? ""}` });

  async function runShell(command: ShellCommand): Promise<void> {
    const assignment = /^(?:export\s+)?([A-Za-z_]\w*)=(\S+)$/.exec(command.text);
    if (assignment) {
      const [, name, value] = assignment as unknown as [string, string, string];
      if (/^ak_live_\.\.\.$/.test(value)) {
        const secret = /"secret"\s*:\s*"([^"]+)"/.exec(answers.at(-1)?.output ?? "")?.[1];
        if (!secret) throw new Error(`${command.text}: the previous answer has no "secret"`);
        vars[name] = secret;
      } else {
        vars[name] = substitute(value);
      }
      return;
    }
    const text = substitute(command.text);
    const result = await run("bash", ["-c", text], env());
    const statusLine = /readme-test-status (\d+)\n?/.exec(result.stderr);
    const status = statusLine ? Number(statusLine[1]) : undefined;
    answers.push({ status, output: result.stdout });
    const where = `\n$ ${command.text}\n${result.stdout}${result.stderr}`;
    expect(result.code, `exit code of${where}`).toBe(0);
    if (/^curl\b/.test(command.text)) {
      const expected = /→\s*(\d{3})/.exec(command.comment)?.[1];
      if (expected) expect(status, `status of${where}`).toBe(Number(expected));
      else expect(status !== undefined && status >= 200 && status < 300, `a 2xx answer to${where}`).toBe(true);
      expect(result.stderr.replace(/readme-test-status \d+\n?/, ""), `curl printed a progress meter or an error:${where}`).toBe("");
    }
  }

  /** Writes a snippet into the repository root (so its imports resolve as documented) for the duration of `use`. */
  async function withSnippetFiles<T>(snippets: readonly { kind: "ts" | "js"; code: string }[], use: (files: string[]) => Promise<T>): Promise<T> {
    const files = snippets.map(({ kind, code }) => {
      const file = join(root, `readme-snippet-${randomUUID()}.${kind === "ts" ? "ts" : "mjs"}`);
      writeFileSync(file, code);
      return file;
    });
    try {
      return await use(files);
    } finally {
      for (const file of files) rmSync(file, { force: true });
    }
  }

  async function runSnippet(kind: "ts" | "js", code: string): Promise<void> {
    await withSnippetFiles([{ kind, code: substitute(code) }], async ([file]) => {
      const result =
        kind === "ts"
          ? await run(join(root, "node_modules/.bin/tsx"), [file as string], env())
          : await run(process.execPath, ["--import", "tsx", file as string], env());
      answers.push({ status: undefined, output: result.stdout });
      expect(result.code, `exit code of the snippet:\n${result.stdout}${result.stderr}`).toBe(0);
    });
  }

  it("has runnable blocks, and every skipped block says why", () => {
    expect(blocks.filter((b) => runnable[b.lang] && b.skip === undefined).length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) if (block.skip !== undefined) expect(block.skip, `README line ${block.line}`).not.toBe("");
    expect(markdown).not.toMatch(/identities-create\.txt/);
  });

  const toRun = blocks.filter((b) => runnable[b.lang] && b.skip === undefined);

  // One compiler run for every TypeScript block (a run costs seconds on a busy
  // machine), as written: placeholders are values and change no type.
  it("type-checks every ts block with tsc --strict", { timeout: 300_000 }, async () => {
    const snippets = toRun.filter((b) => runnable[b.lang] === "ts").map((b) => ({ kind: "ts" as const, code: b.code }));
    const tscArgs = ["--strict", "--noEmit", "--module", "nodenext", "--target", "es2022", "--skipLibCheck"];
    const tsc = await withSnippetFiles(snippets, (files) => run(join(root, "node_modules/.bin/tsc"), [...tscArgs, ...files], env()));
    expect(tsc.stdout + tsc.stderr, "tsc --strict").toBe("");
    expect(tsc.code).toBe(0);
  });
  for (const block of toRun) {
    const kind = runnable[block.lang] as "sh" | "ts" | "js";
    it(`runs the ${block.lang} block at README.md:${block.line}`, { timeout: 300_000 }, async () => {
      if (kind === "sh") for (const command of shellCommands(block.code)) await runShell(command);
      else await runSnippet(kind, block.code);
    });
  }
});
