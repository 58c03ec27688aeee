// How much an HTTP/2 rapid-reset attacker slows a normal client (issue 9,
// item 4). Starts the service in its own process on an ephemeral port
// (against MONGODB_URI, or a throwaway FerretDB), measures a normal gRPC
// client's latency for an unauthenticated GetIdentity (transport and
// pipeline only, no database: the part an attacker's CPU competes with)
// alone, then beside 1 and N attacker processes that open and reset streams
// in a loop from other loopback addresses, and prints the ratios against the
// baseline (target: within 2×). The attackers run on the same machine and
// take CPU from everyone, so each attack phase has a control: the same
// attackers aimed at a bare HTTP/2 decoy server; "vs decoy" is the share of
// the slowdown that the service's own handling of the attack causes. A
// benchmark, not a test: figures vary with the machine, ratios are what to
// compare.
//   npm run bench:rapid-reset [-- --seconds 8 --attackers 4 --root DIR]
// --root runs the service from another checkout (e.g. main, to compare).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { IdentityService } from "../gen/avnology/identity/v1/identity_service_pb.js";
import { startFerretDb } from "../scripts/ferretdb-process.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    attackers: { type: "string", default: "4" },
    root: { type: "string", default: "." },
  },
});
const seconds = Number(values.seconds);
const manyAttackers = Number(values.attackers);
const root = resolve(values.root!);
const here = resolve(".");

async function main(): Promise<void> {
  let stopDb = async () => undefined as void;
  let mongodbUri = process.env["MONGODB_URI"];
  let dataDir: string | undefined;
  if (!mongodbUri) {
    dataDir = mkdtempSync(join(tmpdir(), "rapid-reset-db-"));
    const db = await startFerretDb({ dataDir });
    mongodbUri = `${db.uri}bench_rapid_reset`;
    stopDb = db.stop;
  }
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let decoy: Awaited<ReturnType<typeof startDecoy>> | undefined;
  try {
    service = await startService(mongodbUri);
    const port = service.port;
    decoy = await startDecoy();
    const phases: { name: string; attackers: number; target: number }[] = [
      { name: "baseline", attackers: 0, target: port },
      { name: "1 on decoy", attackers: 1, target: decoy!.port },
      { name: "1 attacker", attackers: 1, target: port },
      { name: `${manyAttackers} on decoy`, attackers: manyAttackers, target: decoy!.port },
      { name: `${manyAttackers} attackers`, attackers: manyAttackers, target: port },
    ];
    const results: { name: string; median: number; p90: number; calls: number; attack: string }[] = [];
    for (const phase of phases) {
      const attackers = Array.from({ length: phase.attackers }, (_, i) => startAttacker(phase.target, `127.0.0.${i + 2}`));
      await new Promise((r) => setTimeout(r, phase.attackers > 0 ? 500 : 0)); // let the attack ramp up
      const latencies = await measure(port, seconds);
      const reports = await Promise.all(attackers.map((a) => a.done));
      const streams = reports.reduce((n, r) => n + r.streams, 0);
      const sessions = reports.reduce((n, r) => n + r.sessions, 0);
      const refused = reports.reduce((n, r) => n + r.refused, 0);
      results.push({
        name: phase.name,
        median: percentile(latencies, 0.5),
        p90: percentile(latencies, 0.9),
        calls: latencies.length,
        attack: phase.attackers ? `${Math.round(streams / (seconds + 0.5))} resets/s, ${sessions} sessions, ${refused} refused` : "",
      });
      await new Promise((r) => setTimeout(r, 1_000)); // let the server settle
    }
    const base = results[0]!;
    console.log(`service from ${root}, ${seconds} s per phase`);
    console.log("phase            median ms   p90 ms   ×median  ×p90  vs decoy (median)   calls  attack");
    results.forEach((r, i) => {
      const control = r.name.includes("decoy") || i === 0 ? undefined : results[i - 1]!;
      const vsDecoy = control ? (r.median / control.median).toFixed(2) : "";
      console.log(
        `${r.name.padEnd(16)} ${r.median.toFixed(2).padStart(9)} ${r.p90.toFixed(2).padStart(8)} ${(r.median / base.median).toFixed(2).padStart(8)} ${(r.p90 / base.p90).toFixed(2).padStart(6)} ${vsDecoy.padStart(18)} ${String(r.calls).padStart(7)}  ${r.attack}`,
      );
    });
  } finally {
    decoy?.stop();
    await service?.stop();
    await stopDb();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Sequential unauthenticated GetIdentity calls over gRPC for `seconds`; latencies in ms. */
async function measure(port: number, seconds: number): Promise<number[]> {
  const client = createClient(IdentityService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const started = performance.now();
    try {
      await client.getIdentity({ id: "usr_00000000-0000-4000-8000-000000000000" }, { timeoutMs: 30_000 });
    } catch (err) {
      const code = ConnectError.from(err).code;
      if (code !== Code.Unauthenticated) throw new Error(`normal client: unexpected ${Code[code]}: ${String(err)}`);
    }
    latencies.push(performance.now() - started);
  }
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function startDecoy(): Promise<{ port: number; stop(): void }> {
  const child = spawn(join(here, "node_modules/.bin/tsx"), [join(here, "bench/rapid-reset-decoy.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolvePort) => child.stdout!.once("data", (c: Buffer) => resolvePort(Number(c.toString().trim()))));
  return { port, stop: () => void child.kill("SIGTERM") };
}

function startAttacker(port: number, localAddress: string) {
  const child = spawn(join(here, "node_modules/.bin/tsx"), [join(here, "bench/rapid-reset-attacker.ts"), String(port), localAddress, String(seconds + 0.5)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const done = new Promise<{ streams: number; sessions: number; refused: number }>((resolvePromise, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`attacker exited ${code}`))));
  });
  return { done };
}

async function startService(mongodbUri: string): Promise<{ port: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(join(root, "node_modules/.bin/tsx"), ["src/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      MONGODB_URI: mongodbUri,
      API_KEY_PEPPER: randomBytes(32).toString("hex"),
      // The normal client fails authentication on purpose, many times.
      AUTH_FAILURE_LIMIT: "1000000",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    child.once("exit", (code) => reject(new Error(`service exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg?.startsWith("listening") && entry.port) resolvePort(entry.port);
      } catch {
        // not a log line
      }
    });
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
      }),
  };
}

await main();
