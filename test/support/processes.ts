// Starts the service as separate OS processes (`tsx src/main.ts`), the way
// several instances run in production, all on one database with one pepper
// and bootstrap key. The first instance's bootstrap key makes a tenant whose
// all-scopes admin key is `auth` (valid on every instance: they share the
// database and the pepper).
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { MongoClient, type Db } from "mongodb";
import { setUpAdminTenant } from "./admin-tenant.js";
import { freshDatabaseUri, testRateLimits } from "./test-server.js";

export interface ServiceProcess {
  readonly port: number;
  readonly baseUrl: string;
  stop(): Promise<void>;
  /** Sends a signal (SIGTERM, SIGINT) without waiting. */
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Every line it wrote to stdout and stderr so far. */
  readonly output: readonly string[];
}

export interface ServiceProcesses {
  readonly instances: readonly ServiceProcess[];
  readonly db: Db;
  readonly auth: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts `count` processes on one fresh database, with `env` added to each. */
export async function startServiceProcesses(count: number, env: Record<string, string> = {}): Promise<ServiceProcesses> {
  const mongodbUri = freshDatabaseUri();
  const bootstrapKey = `bootstrap-${randomBytes(24).toString("hex")}`;
  const shared = { BOOTSTRAP_KEY: bootstrapKey, API_KEY_PEPPER: randomBytes(32).toString("hex"), AUTH_FAILURE_LIMIT: "100000" };
  // One after the other: FerretDB (SQLite backend) drops connections when two
  // clients create the same new database and its indexes at the same moment.
  const instances: ServiceProcess[] = [];
  let client: MongoClient | undefined;
  let auth: Readonly<Record<string, string>>;
  try {
    for (let i = 0; i < count; i++) instances.push(await startProcess({ ...shared, ...env, MONGODB_URI: mongodbUri }));
    client = await MongoClient.connect(mongodbUri);
    ({ auth } = await setUpAdminTenant(instances[0]!.baseUrl, bootstrapKey));
  } catch (err) {
    // Leave no process behind when the set-up fails.
    await Promise.all(instances.map((i) => i.stop()));
    await client?.close();
    throw err;
  }
  const db = client.db();
  return {
    instances,
    db,
    auth,
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
      await db.dropDatabase().catch(() => undefined);
      await client!.close();
    },
  };
}

/**
 * The environment of one service process on a fresh database (its own
 * bootstrap key and pepper, test budgets), for startKillableProcess: a test
 * restarts the process on the same environment after killing it.
 */
export function freshProcessEnv() {
  return {
    MONGODB_URI: freshDatabaseUri(),
    BOOTSTRAP_KEY: `bootstrap-${randomBytes(24).toString("hex")}`,
    API_KEY_PEPPER: randomBytes(32).toString("hex"),
    AUTH_FAILURE_LIMIT: "100000",
    ...testRateLimits,
  };
}

/** A service process that can also be killed outright, as a crash would (no drain, no shutdown hook). */
export interface KillableServiceProcess extends ServiceProcess {
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * One process with exactly `env` added (MONGODB_URI, BOOTSTRAP_KEY and
 * API_KEY_PEPPER included), run as `node --import tsx` so that the service is
 * the child itself: the tsx CLI would run it as a grandchild that a SIGKILL
 * of the CLI leaves running.
 */
export async function startKillableProcess(env: Record<string, string>): Promise<KillableServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    ...(await readyProcess(child)),
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}

/** The development entry; the production build runs `node dist/src/main.js` instead. */
export const tsxEntry: readonly string[] = ["node_modules/.bin/tsx", "src/main.ts"];

/** One service process on `env` (which must name MONGODB_URI and API_KEY_PEPPER), answering on an ephemeral port. */
export async function startProcess(env: Record<string, string>, command: readonly string[] = tsxEntry): Promise<ServiceProcess> {
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return readyProcess(child);
}

/**
 * Waits for a starting service process to report its port in its
 * "listening" log line, then (it listens before its database answers) for
 * `/readyz`, as a load balancer would.
 */
async function readyProcess(child: ChildProcess): Promise<ServiceProcess> {
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start: ${stderr.join("")}`)), 60_000);
    child.once("exit", (code) => setTimeout(() => reject(new Error(`service exited with ${code}: ${stderr.join("\n")}`)), 100));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      stderr.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg?.startsWith("listening") && entry.port) {
          clearTimeout(timer);
          resolve(entry.port);
        }
      } catch {
        // not a log line
      }
    });
  });
  const readyBy = Date.now() + 60_000;
  while ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > readyBy) {
      await stopProcess(child);
      throw new Error(`service never became ready: ${stderr.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () => stopProcess(child),
    signal: (name) => void child.kill(name),
    exited,
    output: stderr,
  };
}

/** SIGTERM (the service drains), then SIGKILL after 15 s; resolves once it has exited. Also used by bench/. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
