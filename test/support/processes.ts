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
import { freshDatabaseUri } from "./test-server.js";

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
  const bootstrapKey = `bootstrap-${randomBytes(24).toString("hex")}`;
  const shared = { BOOTSTRAP_KEY: bootstrapKey, API_KEY_PEPPER: randomBytes(32).toString("hex"), AUTH_FAILURE_LIMIT: "100000" };
  // One after the other: FerretDB (SQLite backend) drops connections when two
  // clients create the same new database and its indexes at the same moment.
  const instances: ServiceProcess[] = [];
  for (let i = 0; i < count; i++) instances.push(await startProcess({ ...shared, ...env, MONGODB_URI: mongodbUri }));
  const client = await MongoClient.connect(mongodbUri);
  const { auth } = await setUpAdminTenant(instances[0]!.baseUrl, bootstrapKey);
  return {
    instances,
    db: client.db(),
    auth,
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
      await client.db().dropDatabase().catch(() => undefined);
      await client.close();
    },
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
