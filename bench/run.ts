// `npm run bench [-- options]`: starts its own database (or uses
// MONGODB_URI), starts the service as a separate process, seeds identities
// with raw insertMany, forks the load generator, and prints a table of
// ratios against ceilings measured in the same run (see bench/rows.ts and
// BENCHMARKS.md). `--smoke` runs the whole path in a few seconds for CI and
// fails on any request error.
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import argon2 from "argon2";
import { loadConfig } from "../src/config/config.js";
import { encodePageToken } from "../src/services/identities/page-token.js";
import { setUpAdminTenant } from "../test/support/admin-tenant.js";
import { openBenchDatabase, openCommandCounter, removeCreatedIdentities, seedIdentities } from "./database.js";
import type { LoadMode, LoadResult } from "./load-loop.js";
import type { WorkerRequest } from "./load-worker.js";
import { parseOptions } from "./options.js";
import { summariseProfile } from "./profile-summary.js";
import { measureClearTextCliImport, measurePreHashedCliImport, type CliImportContext } from "./import-cli.js";
import { markdownTable, met, type RowResult } from "./report.js";
import { measureRows } from "./rows.js";
import type { WorkerSetup } from "./scenarios.js";
import { startService, stopChild, type ServiceProcess } from "./service.js";

const options = parseOptions(process.argv.slice(2));
const password = "Bench-k7#Rq2!vW9zLm4";
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const failures: string[] = [];

const database = await openBenchDatabase();
let service: ServiceProcess | undefined;
let worker: ChildProcess | undefined;
let cleaning: Promise<void> | undefined;
/** Stops everything this run started (once), whether it ends, fails or is interrupted. */
const cleanUp = () =>
  (cleaning ??= (async () => {
    if (worker) await closeWorker(worker);
    if (service) await service.stop();
    await database.close();
  })());
// Whatever ends this process early still stops what it started.
process.once("uncaughtException", (err) => {
  log(`failed: ${err.stack ?? err.message}`);
  void cleanUp().finally(() => process.exit(1));
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the service, the load generator and the database`);
    void cleanUp().finally(() => process.exit(130));
  });
}
try {
  log(`database: ${database.server}`);
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  service = await startService({ entry: options.entry, mongodbUri: database.uri, cpuProfDir: options.cpuProfDir });
  const serviceConfig = loadConfig({ ...process.env, ...service.env });
  const argon2Params = {
    memoryCost: serviceConfig.argon2.memoryCost,
    timeCost: serviceConfig.argon2.timeCost,
    parallelism: serviceConfig.argon2.parallelism,
  };
  log(`service pid ${service.pid} on port ${service.port} (${options.entry})`);
  const tenant = await setUpAdminTenant(`http://127.0.0.1:${service.port}`, service.bootstrapKey);

  const passwordHash = await argon2.hash(password, { type: argon2.argon2id, ...argon2Params });
  const seedStarted = performance.now();
  const seeded = await seedIdentities(database.uri, {
    tenantId: tenant.tenantId,
    createdBy: tenant.adminKeyId,
    count: options.identities,
    passwordHash,
  });
  log(`seeded ${options.identities} identities in ${Math.round(performance.now() - seedStarted)} ms`);

  // Page 50 (1-based) starts after the last identity of page 49.
  const pageSize = Math.min(100, Math.floor(options.identities / 51));
  const deepIndex = 49 * pageSize - 1;
  const deepCursor = { createdAtMs: seeded.createdAtMs[deepIndex]!, id: seeded.ids[deepIndex]! };
  const setup: WorkerSetup = {
    port: service.port,
    auth: tenant.auth,
    tenantId: tenant.tenantId,
    createdBy: tenant.adminKeyId,
    mongodbUri: database.uri,
    ids: seeded.ids,
    emails: seeded.emails,
    password,
    passwordHash,
    argon2: argon2Params,
    importBatch: options.importBatch,
    list: {
      pageSize,
      deepCursor,
      deepToken: encodePageToken(
        { tenantId: tenant.tenantId, organizationId: undefined, filter: {} },
        { createdAt: new Date(deepCursor.createdAtMs), id: deepCursor.id },
      ),
    },
  };
  worker = await startWorker(setup);
  const counter = await openCommandCounter(database.uri);
  const activeWorker = worker;
  const activeService = service;
  const ownDelay = monitorEventLoopDelay({ resolution: 10 });
  ownDelay.enable();
  // What the idle service sends on its own (the rate-limit sync), to subtract from per-request counts.
  const idleMs = options.smoke ? 500 : 3_000;
  const idleStart = await counter.count();
  await new Promise((r) => setTimeout(r, idleMs));
  const backgroundCommandsPerSecond = Math.max(0, ((await counter.count()) - idleStart - 1) / (idleMs / 1000));
  log(`idle service: ${backgroundCommandsPerSecond.toFixed(1)} database commands/s`);
  let nextRun = 1;
  const outcome = await measureRows({
    options,
    log,
    pageSize,
    serverCommands: () => counter.count(),
    backgroundCommandsPerSecond,
    idleProcessDelayP99: (reset = false) => {
      const p99 = Math.max(0, ownDelay.percentile(99) / 1e6 - 10);
      if (reset) ownDelay.reset();
      return p99;
    },
    removeCreated: async () => log(`removed ${await removeCreatedIdentities(database.uri)} created identities`),
    serviceStats: (reset) => activeService.stats(reset),
    fire: async (shot: string, mode: LoadMode) => {
      const result = await askWorker(activeWorker, { type: "run", id: nextRun++, shot, mode });
      if (result.errors > 0 || result.completed === 0) {
        failures.push(`${shot}: ${result.errors} errors, ${result.completed} completed; first: ${result.firstError ?? "-"}`);
      }
      return result;
    },
  });

  const cliRows = await measureCliRows({
    baseUrl: `http://127.0.0.1:${service.port}`,
    apiKey: tenant.auth.authorization!.replace(/^Bearer /, ""),
    mongodbUri: database.uri,
    tenantId: tenant.tenantId,
    createdBy: tenant.adminKeyId,
    argon2: argon2Params,
    hashesAtOnce: serviceConfig.argon2.maxConcurrent,
    smoke: options.smoke,
    log,
    removeCreated: async (prefixes) => log(`removed ${await removeCreatedIdentities(database.uri, prefixes)} created identities`),
  });
  outcome.rows.push(...cliRows);

  const table = markdownTable(outcome.rows);
  const context = [
    `- command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\`${process.env["MONGODB_URI"] ? " (MONGODB_URI set)" : ""}`,
    `- machine: ${options.cores} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${Math.round(totalmem() / 2 ** 30)} GiB memory, Node ${process.version}`,
    `- database: ${database.server}`,
    `- service: \`${options.entry}\`${options.entry.endsWith(".ts") ? " under tsx" : ""}, UV_THREADPOOL_SIZE ${process.env["UV_THREADPOOL_SIZE"] ?? "4 (default)"}, Argon2id m=${argon2Params.memoryCost} KiB t=${argon2Params.timeCost} p=${argon2Params.parallelism}, ${serviceConfig.argon2.maxConcurrent} hashes at once, queue ${serviceConfig.argon2.maxQueue}`,
    `- data: ${options.identities} identities seeded; list pages of ${pageSize}`,
    `- runs: ${options.runs} per row after a ${options.warmupMs} ms warm-up, ${options.durationMs} ms each, ceiling and service alternating; closed-loop concurrency ${options.concurrency} (lists 1, at least 3 pages a run)`,
    ...outcome.notes.map((n) => `- ${n}`),
  ].join("\n");
  console.log(`\n${table}\n\n${context}\n`);
  await counter.close();
  if (options.markdownOut) writeFileSync(options.markdownOut, `${table}\n\n${context}\n`);
  if (!options.smoke) {
    const missed = outcome.rows.filter((r) => !met(r)).map((r) => r.measure);
    if (missed.length > 0) log(`targets not reached: ${missed.join("; ")}`);
  }
} finally {
  await cleanUp();
}

if (options.cpuProfDir) {
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main
  // thread (tsx's loader runs on a worker thread with a profile of its own).
  const profiles = readdirSync(options.cpuProfDir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).sort();
  const latest = profiles.at(-1);
  if (latest) {
    log(`service CPU profile: ${join(options.cpuProfDir, latest)}`);
    console.log(summariseProfile(join(options.cpuProfDir, latest), 30));
  }
}
if (failures.length > 0) {
  log(`request failures:\n  ${failures.join("\n  ")}`);
  process.exitCode = 1;
}

/** The CLI import rows (bench/import-cli.ts), after the others: they take minutes at full size. */
async function measureCliRows(ctx: CliImportContext): Promise<RowResult[]> {
  const wanted = (key: string) => options.only.length === 0 || options.only.some((o) => key.includes(o));
  const rows: RowResult[] = [];
  if (wanted("cli-prehashed")) rows.push(await measurePreHashedCliImport(ctx, options.cliImportUsers));
  if (wanted("cli-clear-text")) rows.push(await measureClearTextCliImport(ctx, options.cliImportClearTextUsers));
  for (const row of rows) log(`${row.measure}: ${row.value.toFixed(2)} (${row.detail})`);
  return rows;
}

async function startWorker(setup: WorkerSetup): Promise<ChildProcess> {
  const child = fork(join(import.meta.dirname, "load-worker.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.on("error", (err) => log(`load generator process error: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`load generator exited with ${code}`)));
    child.on("message", (m: { type: string; error?: string }) => {
      if (m.type === "ready") resolve();
      if (m.type === "failed") reject(new Error(`load generator: ${m.error}`));
    });
    send(child, { type: "init", setup });
  });
  return child;
}

function askWorker(child: ChildProcess, request: Extract<WorkerRequest, { type: "run" }>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error("the load generator exited"));
    const onMessage = (m: { type: string; id?: number; result?: LoadResult; error?: string }) => {
      if (m.type === "failed") reject(new Error(`load generator: ${m.error}`));
      else if (m.type !== "result" || m.id !== request.id) return;
      else resolve(m.result!);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
    send(child, request);
  });
}

async function closeWorker(child: ChildProcess): Promise<void> {
  if (child.connected) send(child, { type: "close" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  await stopChild(child);
}

function send(child: ChildProcess, message: WorkerRequest): void {
  child.send(message);
}
