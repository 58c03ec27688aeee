// What is measured, row by row: each row pairs the service with a ceiling
// doing the same work directly, runs both (warm-up, then `runs` alternating
// runs, ceiling first) and reports the median of the per-run ratios, so a
// noisy neighbour slows both sides of one ratio rather than one row.
import type { BenchStatsReply } from "../src/process-stats.js";
import type { LoadMode, LoadResult } from "./load-loop.js";
import type { BenchOptions } from "./options.js";
import { median, perSecond, summarise, type RowResult } from "./report.js";

export interface RowContext {
  readonly options: BenchOptions;
  /** Runs one shot in the load generator. */
  fire(shot: string, mode: LoadMode): Promise<LoadResult>;
  /** The service's own stats (event-loop delay since the last reset, RSS). */
  serviceStats(reset?: boolean): Promise<BenchStatsReply>;
  log(line: string): void;
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
}

export interface RowsOutcome {
  readonly rows: RowResult[];
  readonly notes: string[];
}

export async function measureRows(ctx: RowContext): Promise<RowsOutcome> {
  const { options } = ctx;
  const c = options.concurrency;
  const listC = Math.min(c, 4);
  const rows: RowResult[] = [];
  const notes: string[] = [];
  const wanted = (key: string) => options.only.length === 0 || options.only.some((o) => key.includes(o));
  const closed = (concurrency: number, durationMs = options.durationMs): LoadMode => ({ kind: "closed", concurrency, durationMs });

  const measurePair = async (pair: Pair, duringService?: { before(): Promise<void>; after(): Promise<void> }) => {
    if (options.warmupMs > 0) {
      await ctx.fire(pair.ceilingShot, closed(pair.ceilingConcurrency, options.warmupMs));
      await ctx.fire(pair.serviceShot, closed(pair.serviceConcurrency, options.warmupMs));
    }
    const ceilings: LoadResult[] = [];
    const services: LoadResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      ceilings.push(await ctx.fire(pair.ceilingShot, closed(pair.ceilingConcurrency)));
      await duringService?.before();
      services.push(await ctx.fire(pair.serviceShot, closed(pair.serviceConcurrency)));
      await duringService?.after();
    }
    const ratios = services.map((s, i) => s.throughput / ceilings[i]!.throughput);
    const ceilingRate = median(ceilings.map((r) => r.throughput));
    const serviceRate = median(services.map((r) => r.throughput));
    const row: RowResult = {
      measure: pair.measure,
      ceiling: pair.ceiling,
      ...summarise(ratios),
      unit: "ratio",
      target: { op: ">=", bound: pair.bound },
      detail: `${perSecond(serviceRate)} vs ${perSecond(ceilingRate)}; p99 ${median(services.map((s) => s.latencyMs.p99)).toFixed(1)} ms vs ${median(ceilings.map((s) => s.latencyMs.p99)).toFixed(1)} ms; c=${pair.serviceConcurrency}/${pair.ceilingConcurrency}`,
    };
    rows.push(row);
    ctx.log(`${pair.key}: ${row.value.toFixed(2)} (${row.detail})`);
    return { services, ceilings, serviceRate };
  };

  // Event-loop delay of the service during the password rows, per run.
  const delays: number[] = [];
  const delayWindow = {
    before: async () => void (await ctx.serviceStats(true)),
    after: async () => void delays.push((await ctx.serviceStats()).eventLoopDelayMs.p99),
  };

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
      delayWindow,
    );
    // p99 at 70 % of the saturated throughput, against one hash alone.
    const rate = 0.7 * saturated.serviceRate;
    const one: number[] = [];
    const p99s: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      one.push((await ctx.fire("argon2.hash", closed(1))).latencyMs.p50);
      await delayWindow.before();
      const open = await ctx.fire("grpc.create.password", { kind: "open", ratePerSecond: rate, durationMs: options.durationMs, maxInFlight: 256 });
      await delayWindow.after();
      p99s.push(open.latencyMs.p99);
    }
    const multiples = p99s.map((p, i) => p / one[i]!);
    rows.push({
      measure: `its p99 at 70 % of that throughput (${perSecond(rate)}, open loop)`,
      ceiling: "one hash alone (median)",
      ...summarise(multiples),
      unit: "x",
      target: { op: "<=", bound: 3 },
      detail: `p99 ${median(p99s).toFixed(1)} ms vs one hash ${median(one).toFixed(1)} ms`,
    });
    ctx.log(`create-password-p99: ${rows.at(-1)!.value.toFixed(2)}× (${rows.at(-1)!.detail})`);
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
  }
  if (wanted("get")) {
    for (const [shot, name] of [["grpc.get", "gRPC"], ["rest.get", "REST"]] as const) {
      await measurePair({
        key: `get-${shot}`,
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
    const first = await measurePair({
      key: "list-first",
      measure: "ListIdentities, first page of 100 (gRPC)",
      ceiling: "raw driver, the same query (filter, sort, limit 101)",
      ceilingShot: "raw.list.first",
      serviceShot: "grpc.list.first",
      ceilingConcurrency: listC,
      serviceConcurrency: listC,
      bound: 0.85,
    });
    const deep = await measurePair({
      key: "list-deep",
      measure: "ListIdentities, 50th page of 100 (gRPC)",
      ceiling: "raw driver, the same query (filter, sort, limit 101)",
      ceilingShot: "raw.list.deep",
      serviceShot: "grpc.list.deep",
      ceilingConcurrency: listC,
      serviceConcurrency: listC,
      bound: 0.85,
    });
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
      delayWindow,
    );
  }

  const stats = await ctx.serviceStats();
  rows.push({
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
    rows.push({
      measure: "event-loop delay p99 during the password runs",
      ceiling: "—",
      ...summarise(delays),
      unit: "ms",
      target: { op: "<=", bound: 20 },
      detail: `per run, beyond the 10 ms sampling interval (monitorEventLoopDelay in the service)`,
    });
  }
  return { rows, notes };
}
