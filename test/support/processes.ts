// Starts the service as separate OS processes (`tsx src/main.ts`), the way
// several instances run in production, all on one database. The one place
// that decides how such processes authenticate callers: today the temporary
// dev switch (every call is one caller); when API keys land, change
// `processAuthEnv` / `processAuth` here and the tests stay as they are.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { MongoClient, type Db } from "mongodb";
import { freshDatabaseUri } from "./test-server.js";

/** Environment that makes a process accept the callers of `processAuth`. */
const processAuthEnv: Record<string, string> = { INSECURE_DEV_ALLOW_UNAUTHENTICATED: "1" };
/** Headers (REST/Connect) or metadata (grpc-js) to send on every call to such a process. */
export const processAuth: Readonly<Record<string, string>> = {};

export interface ServiceProcess {
  readonly port: number;
  readonly baseUrl: string;
  stop(): Promise<void>;
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
  // One after the other: FerretDB (SQLite backend) drops connections when two
  // clients create the same new database and its indexes at the same moment.
  const instances: ServiceProcess[] = [];
  for (let i = 0; i < count; i++) instances.push(await startProcess({ ...processAuthEnv, ...env, MONGODB_URI: mongodbUri }));
  const client = await MongoClient.connect(mongodbUri);
  return {
    instances,
    db: client.db(),
    auth: processAuth,
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
      await client.db().dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

async function startProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn("node_modules/.bin/tsx", ["src/main.ts"], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
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
  return { port, baseUrl: `http://127.0.0.1:${port}`, stop: () => stopProcess(child) };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
