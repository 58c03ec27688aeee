// What is measured, row by row: each row pairs the service with a ceiling
// doing the same work directly, runs both (warm-up, then `runs` alternating
// runs, ceiling first) and reports the median of the per-run ratios, so a
// noisy neighbour slows both sides of one ratio rather than one row.
import type { BenchStatsReply } from "../src/process-stats.js";
import type { LoadMode, LoadResult } from "./load-loop.js";
import { importProtocols, type BenchOptions } from "./options.js";
import { median, perSecond, summarise, type RowResult } from "./report.js";

export interface RowContext {
  readonly options: BenchOptions;
  /** Runs one shot in the load generator. */
  fire(shot: string, mode: LoadMode): Promise<LoadResult>;
  /** The service's own stats (event-loop delay since the last reset, RSS). */
  serviceStats(reset?: boolean): Promise<BenchStatsReply>;
  log(line: string): void;
  /**
   * Event-loop delay p99 (ms, beyond the sampling interval) of the bench's own,
   * mostly idle, process since the last reset: what the machine alone does
   * to a Node event loop in the same window.
   */
  idleProcessDelayP99(reset?: boolean): number;
  /** Commands the database server has answered so far (for round trips per request). */
  serverCommands(): Promise<number>;
  /** Commands/s the idle service sends anyway (rate-limit sync), measured before the rows; subtracted. */
  readonly backgroundCommandsPerSecond: number;
  /** Deletes the identities the create rows made (and the raw inserts). */
  removeCreated(): Promise<void>;
  readonly pageSize: number;
}

interface Pair {
  readonly key: string;
  readonly measure: string;
  readonly ceiling: string;
  readonly ceilingShot: string;
  readonly serviceShot: string;
  readonly ceilingConcurrency: number;
  readonly serviceConcurrency: number;
  readonly bound: number;
  /** Requests each measured run needs at least (slow calls). */
  readonly minRequests?: number;
  /** Each request carries this many items (a batch): rates, CPU and commands are shown per item. */
  readonly batch?: { readonly size: number; readonly item: string; readonly items: string };
  /** Runs after every run of either side, outside the measured window (e.g. deleting what it wrote). */
  readonly afterEachRun?: () => Promise<void>;
}

export interface RowsOutcome {
  readonly rows: RowResult[];
  readonly notes: string[];
}

export async function measureRows(ctx: RowContext): Promise<RowsOutcome> {
  const { options } = ctx;
  const c = options.concurrency;
  const byKey = new Map<string, RowResult[]>();
  const notes: string[] = [];
  const wanted = (key: string) => options.only.length === 0 || options.only.some((o) => key.includes(o));
  const closed = (concurrency: number, durationMs = options.durationMs, minRequests?: number): LoadMode => ({
    kind: "closed",
    concurrency,
    durationMs,
    ...(minRequests === undefined ? {} : { minRequests }),
  });
  const add = (key: string, row: RowResult) => {
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
    ctx.log(`${key}: ${row.value.toFixed(2)} (${row.detail})`);
  };
  // Event-loop delay p99 of the service during the password rows, per run.
  const delays: number[] = [];
  const idleDelays: number[] = [];

  /** One service run, with the service's CPU per request and event-loop delay over exactly that run. */
  const serviceRun = async (shot: string, mode: LoadMode, recordDelay: boolean) => {
    const commandsBefore = await ctx.serverCommands();
    const windowStart = performance.now();
    const before = await ctx.serviceStats(true);
    ctx.idleProcessDelayP99(true);
    const result = await ctx.fire(shot, mode);
    const after = await ctx.serviceStats();
    if (recordDelay) idleDelays.push(ctx.idleProcessDelayP99());
    // Minus the one serverStatus of this count itself and the idle service's background commands.
    const background = (ctx.backgroundCommandsPerSecond * (performance.now() - windowStart)) / 1000;
    const commands = (await ctx.serverCommands()) - commandsBefore - 1 - background;
    if (recordDelay) delays.push(after.eventLoopDelayMs.p99);
    const requests = Math.max(1, result.completed + result.errors);
    return { result, cpuMsPerRequest: (after.cpuMicros - before.cpuMicros) / 1000 / requests, commandsPerRequest: commands / requests };
  };

  const measurePair = async (pair: Pair, recordDelay = false) => {
    const after = async () => pair.afterEachRun?.();
    if (options.warmupMs > 0) {
      await ctx.fire(pair.ceilingShot, closed(pair.ceilingConcurrency, options.warmupMs));
      await after();
      await ctx.fire(pair.serviceShot, closed(pair.serviceConcurrency, options.warmupMs));
      await after();
    }
    const ceilings: LoadResult[] = [];
    const services: LoadResult[] = [];
    const cpu: number[] = [];
    const commands: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      ceilings.push(await ctx.fire(pair.ceilingShot, closed(pair.ceilingConcurrency, options.durationMs, pair.minRequests)));
      await after();
      const { result, cpuMsPerRequest, commandsPerRequest } = await serviceRun(
        pair.serviceShot,
        closed(pair.serviceConcurrency, options.durationMs, pair.minRequests),
        recordDelay,
      );
      await after();
      services.push(result);
      cpu.push(cpuMsPerRequest);
      commands.push(commandsPerRequest);
    }
    const peak = (await ctx.serviceStats()).maxRssBytes;
    ctx.log(`${pair.key}: service peak RSS so far ${Math.round(peak / 2 ** 20)} MB`);
    const ratios = services.map((s, i) => s.throughput / ceilings[i]!.throughput);
    const ceilingRate = median(ceilings.map((r) => r.throughput));
    const serviceRate = median(services.map((r) => r.throughput));
    const p99s = `p99 ${median(services.map((s) => s.latencyMs.p99)).toFixed(1)} ms vs ${median(ceilings.map((s) => s.latencyMs.p99)).toFixed(1)} ms`;
    const n = pair.batch?.size ?? 1;
    add(pair.key, {
      measure: pair.measure,
      ceiling: pair.ceiling,
      ...summarise(ratios),
      unit: "ratio",
      target: { op: ">=", bound: pair.bound },
      detail: pair.batch
        ? `${perSecond(serviceRate * n)} vs ${perSecond(ceilingRate * n)} ${pair.batch.items}; ${p99s} per batch; service CPU ` +
          `${((median(cpu) * 1000) / n).toFixed(0)} µs and ${(median(commands) / n).toFixed(4)} DB commands per ${pair.batch.item} ` +
          `(${median(commands).toFixed(2)} per batch); c=${pair.serviceConcurrency}/${pair.ceilingConcurrency}, batches of ${n}`
        : `${perSecond(serviceRate)} vs ${perSecond(ceilingRate)}; ${p99s}; service CPU ${median(cpu).toFixed(2)} ms and ` +
          `${median(commands).toFixed(2)} DB commands per request; c=${pair.serviceConcurrency}/${pair.ceilingConcurrency}`,
    });
    return { services, ceilings, serviceRate };
  };

  // Reads first, on exactly the seeded identities; then the writes, each
  // followed by removing what it created, so every row sees the same data.
  if (wanted("get")) {
    for (const [shot, name] of [["grpc.get", "gRPC"], ["rest.get", "REST"]] as const) {
      await measurePair({
        key: `get-${name.toLowerCase()}`,
        measure: `GetIdentity, ${name}`,
        ceiling: "raw driver `findOne` by `_id`, same concurrency",
        ceilingShot: "raw.findOne",
        serviceShot: shot,
        ceilingConcurrency: c,
        serviceConcurrency: c,
        bound: 0.85,
      });
    }
    await measurePair({
      key: "get-rest-vs-connect",
      measure: "GetIdentity, REST JSON vs Connect binary (both over fetch, HTTP/1.1)",
      ceiling: "the same call in Connect binary",
      ceilingShot: "connect.get",
      serviceShot: "rest.get",
      ceilingConcurrency: c,
      serviceConcurrency: c,
      bound: 0.85,
    });
  }
  if (wanted("list")) {
    // One at a time: on FerretDB a page is a scan and a sort of the whole
    // tenant, and more in flight only queue behind each other.
    const listC = 1;
    const pages = [];
    for (const [key, depth, shot] of [["list-first", "first", "list.first"], ["list-deep", "50th", "list.deep"]] as const) {
      pages.push(
        await measurePair({
          key,
          measure: `ListIdentities, ${depth} page of ${ctx.pageSize} (gRPC)`,
          ceiling: "raw driver, the same query (filter, sort, limit + 1)",
          ceilingShot: `raw.${shot}`,
          serviceShot: `grpc.${shot}`,
          ceilingConcurrency: listC,
          serviceConcurrency: listC,
          bound: 0.85,
          minRequests: options.smoke ? 1 : 3,
        }),
      );
    }
    const [first, deep] = pages as [Awaited<ReturnType<typeof measurePair>>, Awaited<ReturnType<typeof measurePair>>];
    notes.push(
      `ListIdentities depth: 50th page / first page throughput = ${(deep.serviceRate / first.serviceRate).toFixed(2)} (service), ` +
        `${(median(deep.ceilings.map((r) => r.throughput)) / median(first.ceilings.map((r) => r.throughput))).toFixed(2)} (raw driver).`,
    );
  }
  if (wanted("verify")) {
    await measurePair(
      {
        key: "verify",
        measure: "VerifyPassword by email (gRPC)",
        ceiling: `raw \`argon2.verify\`, all ${options.cores} cores`,
        ceilingShot: "argon2.verify",
        serviceShot: "grpc.verify.email",
        ceilingConcurrency: options.cores,
        serviceConcurrency: c,
        bound: 0.95,
      },
      true,
    );
  }
  if (wanted("create-password")) {
    const saturated = await measurePair(
      {
        key: "create-password",
        measure: "CreateIdentity with a password at saturation (gRPC)",
        ceiling: `raw \`argon2.hash\`, service parameters, all ${options.cores} cores`,
        ceilingShot: "argon2.hash",
        serviceShot: "grpc.create.password",
        ceilingConcurrency: options.cores,
        serviceConcurrency: c,
        bound: 0.95,
      },
      true,
    );
    // p99 at 70 % of the saturated throughput, against one hash alone.
    const rate = 0.7 * saturated.serviceRate;
    const one: number[] = [];
    const p99s: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      one.push((await ctx.fire("argon2.hash", closed(1))).latencyMs.p50);
      const open = { kind: "open", ratePerSecond: rate, durationMs: options.durationMs, maxInFlight: 256 } as const;
      p99s.push((await serviceRun("grpc.create.password", open, true)).result.latencyMs.p99);
    }
    add("create-password-p99", {
      measure: `its p99 at 70 % of that throughput (${perSecond(rate)}, open loop)`,
      ceiling: "one hash alone (median)",
      ...summarise(p99s.map((p, i) => p / one[i]!)),
      unit: "x",
      target: { op: "<=", bound: 3 },
      detail: `p99 ${median(p99s).toFixed(1)} ms vs one hash ${median(one).toFixed(1)} ms`,
    });
    await ctx.removeCreated();
  }
  if (wanted("create-nopassword")) {
    await measurePair({
      key: "create-nopassword",
      measure: "CreateIdentity without a password (gRPC)",
      ceiling: "raw driver `insertOne` of an identity document, same concurrency",
      ceilingShot: "raw.insertOne",
      serviceShot: "grpc.create",
      ceilingConcurrency: c,
      serviceConcurrency: c,
      bound: 0.7,
    });
    await ctx.removeCreated();
  }
  // Pre-hashed import: no hashing on either side, so the ratio is what the
  // service adds to the write itself (decoding, per-item checks, encoding
  // the answers). Every run deletes what it wrote, so each sees the seeded set.
  // "import" asks for ids only (result_view BATCH_RESULT_VIEW_ID, as the CLI
  // importer does); "import-full" has every created identity echoed.
  for (const [key, suffix, answers] of [
    ["import", "", "ids only"],
    ["import-full", "-full", "every identity echoed"],
  ] as const) {
    if (!wanted(key)) continue;
    const ic = options.importConcurrency;
    await measurePair({
      key,
      measure: `Import of pre-hashed identities: BatchCreateIdentities, ${options.importBatch} a call (${importProtocols[options.importProtocol]}; answers: ${answers})`,
      ceiling: `raw driver \`insertMany\` (unordered) of the same documents, ${options.importBatch} a call, same concurrency`,
      ceilingShot: "raw.insertMany",
      serviceShot: `${options.importProtocol}.import${suffix}`,
      ceilingConcurrency: ic,
      serviceConcurrency: ic,
      bound: 0.7,
      minRequests: options.smoke ? 1 : 2 * ic,
      batch: { size: options.importBatch, item: "identity", items: "identities" },
      afterEachRun: () => ctx.removeCreated(),
    });
  }

  const stats = await ctx.serviceStats();
  add("rss", {
    measure: "service peak RSS during the run",
    ceiling: "—",
    value: stats.maxRssBytes / 2 ** 20,
    min: stats.maxRssBytes / 2 ** 20,
    max: stats.maxRssBytes / 2 ** 20,
    unit: "MB",
    target: { op: "<=", bound: 200 },
    detail: `RSS at the end ${Math.round(stats.rssBytes / 2 ** 20)} MB (getrusage maxRSS of the service process)`,
  });
  if (delays.length > 0) {
    add("event-loop", {
      measure: "event-loop delay p99 during the password runs",
      ceiling: "—",
      ...summarise(delays),
      unit: "ms",
      target: { op: "<=", bound: 20 },
      detail:
        `per run (${delays.length}), beyond the 10 ms sampling interval (monitorEventLoopDelay in the service); ` +
        `an idle Node process on the same machine in the same windows: p99 ${median(idleDelays).toFixed(1)} ms`,
    });
  }
  // The order.
  const order = ["create-password", "create-password-p99", "create-nopassword", "import", "import-full", "get-grpc", "get-rest", "get-rest-vs-connect", "list-first", "list-deep", "verify", "rss", "event-loop"];
  const rows = order.flatMap((key) => byKey.get(key) ?? []);
  return { rows, notes };
}
