// The service under test as its own OS process: `node --import tsx
// src/main.ts` (no tsx CLI wrapper, so the process measured is the service
// itself), or `node <entry>` for a compiled build. It runs with BENCH_STATS=1
// and an IPC channel, through which src/process-stats.ts answers with its
// event-loop delay and peak RSS.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { stopProcess } from "../test/support/processes.js";
import type { BenchStatsReply } from "../src/process-stats.js";

export interface ServiceProcess {
  readonly port: number;
  readonly pid: number;
  readonly bootstrapKey: string;
  readonly env: Readonly<Record<string, string>>;
  /** Reads the service's stats; `reset` starts a new event-loop delay window. */
  stats(reset?: boolean): Promise<BenchStatsReply>;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  readonly entry: string;
  readonly mongodbUri: string;
  readonly cpuProfDir: string | undefined;
}

export async function startService(spec: ServiceSpec): Promise<ServiceProcess> {
  const bootstrapKey = `bootstrap-${randomBytes(24).toString("hex")}`;
  const env: Record<string, string> = {
    PORT: "0",
    HOST: "127.0.0.1",
    MONGODB_URI: spec.mongodbUri,
    LOG_LEVEL: "info",
    BOOTSTRAP_KEY: bootstrapKey,
    API_KEY_PEPPER: randomBytes(32).toString("hex"),
    BENCH_STATS: "1",
    // 0 = no limit: the bench measures the service, not its budgets.
    RATE_LIMIT_CREDENTIAL_RPS: "0",
    RATE_LIMIT_TENANT_RPS: "0",
    RATE_LIMIT_PASSWORD_RPS: "0",
  };
  const nodeArgs = [
    // A compiled entry runs the way `npm run start:prod` runs it.
    ...(spec.entry.endsWith(".ts") ? ["--import", "tsx"] : ["--enable-source-maps"]),
    ...(spec.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${spec.cpuProfDir}`] : []),
    spec.entry,
  ];
  const child = spawn(process.execPath, nodeArgs, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const output: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  // A send on a closed channel is reported here; askStats rejects on its own.
  child.on("error", (err) => output.push(`service process error: ${err.message}\n`));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in 60 s:\n${output.join("")}`)), 60_000);
    child.once("exit", (code) => reject(new Error(`service exited with ${code}:\n${output.join("")}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (output.length < 200) output.push(line + "\n");
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number; level?: number };
        if (entry.msg?.startsWith("listening") && entry.port) {
          clearTimeout(timer);
          resolve(entry.port);
        } else if ((entry.level ?? 0) >= 50) {
          process.stderr.write(`service: ${line}\n`);
        }
      } catch {
        // not a log line
      }
    });
  });
  // It listens before its database answers (start-up retries in the
  // background): measure only once it reports ready, as a load balancer would.
  const readyBy = Date.now() + 60_000;
  while ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > readyBy) {
      await stopChild(child);
      throw new Error(`service never became ready:\n${output.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid!,
    bootstrapKey,
    env,
    stats: (reset = false) => askStats(child, reset),
    stop: () => stopChild(child),
  };
}

let nextId = 1;

function askStats(child: ChildProcess, reset: boolean): Promise<BenchStatsReply> {
  const id = nextId++;
  if (!child.connected) return Promise.reject(new Error(`the service process is gone (exit ${child.exitCode ?? child.signalCode})`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("service did not answer bench-stats (is BENCH_STATS wired in src/main.ts?)")), 10_000);
    const onMessage = (message: BenchStatsReply) => {
      if (message?.type !== "bench-stats" || message.id !== id) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message);
    };
    child.on("message", onMessage);
    child.send({ type: "bench-stats", id, reset });
  });
}

/** Stops the service as the tests do (test/support/processes.ts). */
export const stopChild = stopProcess;
