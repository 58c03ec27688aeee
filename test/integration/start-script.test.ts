// `npm start` (scripts/start.sh) leaves no process behind: a signal to it
// stops the service, FerretDB and PostgreSQL; with MONGODB_URI set it starts
// nothing local. Each case runs the real script with a throwaway data folder.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/ferretdb-process.mjs";
import { freshDatabaseUri } from "../support/test-server.js";

const dataDir = mkdtempSync(join(tmpdir(), "avnology-start-script-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const cases = [
  { name: "local default, SIGTERM", signal: "SIGTERM", local: true },
  { name: "local default, SIGINT (Ctrl-C)", signal: "SIGINT", local: true },
  { name: "MONGODB_URI set, SIGTERM", signal: "SIGTERM", local: false },
] as const;

describe("npm start", () => {
  it.each(cases)("$name: answers, then leaves no process behind", { timeout: 180_000 }, async ({ signal, local }) => {
    const port = await freePort();
    const pepper = randomBytes(32).toString("hex");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      API_KEY_PEPPER: pepper,
      BOOTSTRAP_KEY: `bk_${pepper}`,
      LOCAL_DB_DIR: dataDir,
      FERRETDB_PORT: String(await freePort()),
    };
    if (local) delete env["MONGODB_URI"];
    else env["MONGODB_URI"] = freshDatabaseUri();
    const script = spawn("bash", ["scripts/start.sh"], { env, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    script.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    script.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    try {
      expect(await firstAnswer(`http://127.0.0.1:${port}/v1/identities`, script, output)).toBe(401);
      const started = descendants(script.pid!);
      const commands = started.map(commandOf).join("\n");
      if (local) {
        expect(commands).toMatch(/ferretdb --handler=postgresql/);
        expect(commands).toMatch(/postgres -D /);
      } else {
        expect(commands).not.toMatch(/ferretdb|postgres/);
      }

      script.kill(signal);
      await new Promise((resolve) => (script.exitCode !== null ? resolve(null) : script.once("exit", resolve)));
      expect(await stillRunning([script.pid!, ...started])).toEqual([]);
    } finally {
      if (script.exitCode === null) script.kill("SIGKILL");
    }
  });
});

describe("startFerretDb", () => {
  it("stops FerretDB and PostgreSQL when the process that started them dies without stopping them", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "avnology-orphan-"));
    // A starter that never calls stop(): vitest ending on SIGTERM, or a launcher killed with SIGKILL.
    const starter = spawn(
      process.execPath,
      ["--input-type=module", "-e", `const { startFerretDb } = await import(${JSON.stringify(join(process.cwd(), "scripts/ferretdb-process.mjs"))});
       const db = await startFerretDb({ dataDir: ${JSON.stringify(dir)}, logFile: ${JSON.stringify(join(dir, "database.log"))} });
       console.log(JSON.stringify(db.pids)); setInterval(() => {}, 1000);`],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const pids = await new Promise<number[]>((resolve, reject) => {
        starter.stdout!.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as number[]));
        starter.once("exit", (code) => reject(new Error(`starter exited with ${code}`)));
      });
      expect(await stillRunning(pids)).toHaveLength(2);
      starter.kill("SIGKILL");
      // The watchdog notices within a second; PostgreSQL's shutdown takes a moment more.
      for (let i = 0; i < 100 && (await stillRunning(pids)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await stillRunning(pids)).toEqual([]);
    } finally {
      starter.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Polls `url` until the service answers; fails early if the script exits. */
async function firstAnswer(url: string, script: ChildProcess, output: string[]): Promise<number> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (script.exitCode !== null) throw new Error(`start.sh exited with ${script.exitCode}:\n${output.join("")}`);
    try {
      return (await fetch(url)).status;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the service never answered:\n${output.join("")}`);
}

/** Every process below `pid`, read from /proc (Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the second field after the parenthesised command name.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we read
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) for (const child of children.get(queue.shift()!) ?? []) found.push(child), queue.push(child);
  return found;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** The pids among `pids` still alive (zombies count as gone) after a short grace for reaping. */
async function stillRunning(pids: number[]): Promise<string[]> {
  const alive = () =>
    pids.filter((pid) => {
      try {
        return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch {
        return false;
      }
    });
  for (let i = 0; i < 20 && alive().length; i++) await new Promise((r) => setTimeout(r, 100));
  return alive().map((pid) => `${pid} ${commandOf(pid)}`);
}
