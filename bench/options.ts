// Command-line options of `npm run bench` (after `--`).
import { availableParallelism } from "node:os";

/** How the import row reaches the service (`--import-protocol`), as the row names it. */
export const importProtocols = { connect: "Connect binary", "connect-json": "Connect JSON", grpc: "gRPC" } as const;
export type ImportProtocol = keyof typeof importProtocols;

export interface BenchOptions {
  /** A few seconds in all, tiny counts: CI proves the harness still runs. */
  readonly smoke: boolean;
  /** Identities seeded before measuring. */
  readonly identities: number;
  /** Measured runs per row (after one warm-up). */
  readonly runs: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Service entry: a .ts file runs under tsx, anything else with plain node (the compiled build). */
  readonly entry: string;
  /** Write a V8 CPU profile of the service process into this folder. */
  readonly cpuProfDir: string | undefined;
  /** Only rows whose key contains one of these (e.g. `--only get,list`). */
  readonly only: readonly string[];
  /** In-flight requests of the closed-loop rows. */
  readonly concurrency: number;
  /** Identities per call of the import row (BatchCreateIdentities / raw insertMany). */
  readonly importBatch: number;
  /** Batches in flight in the import row. */
  readonly importConcurrency: number;
  readonly importProtocol: ImportProtocol;
  /** Users per JSONL file of the CLI import rows (pre-hashed, and clear-text passwords). */
  readonly cliImportUsers: number;
  readonly cliImportClearTextUsers: number;
  /** Where the markdown table goes (besides stdout). */
  readonly markdownOut: string | undefined;
  readonly cores: number;
}

const usage = `usage: npm run bench -- [--smoke] [--identities N] [--runs N] [--warmup-ms N] [--duration-ms N]
       [--concurrency N] [--import-batch N] [--import-concurrency N]
       [--import-protocol connect|connect-json|grpc] [--cli-import-users N] [--cli-import-clear-text-users N] [--entry src/main.ts|dist/src/main.js] [--cpu-prof DIR] [--only key,key] [--markdown FILE]`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--smoke" || arg === "--help") flags.add(arg);
    else if (arg.startsWith("--") && i + 1 < argv.length) args.set(arg, argv[++i]!);
    else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  if (flags.has("--help")) {
    console.log(usage);
    process.exit(0);
  }
  const smoke = flags.has("--smoke");
  const int = (name: string, fallback: number, min: number) => {
    const raw = args.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}\n${usage}`);
    return value;
  };
  const protocol = (name: string): ImportProtocol => {
    if (!Object.hasOwn(importProtocols, name)) throw new Error(`--import-protocol must be one of ${Object.keys(importProtocols).join(", ")}\n${usage}`);
    return name as ImportProtocol;
  };
  return {
    smoke,
    identities: int("--identities", smoke ? 300 : 10_000, 200),
    runs: int("--runs", smoke ? 1 : 3, 1),
    warmupMs: int("--warmup-ms", smoke ? 0 : 2_000, 0),
    durationMs: int("--duration-ms", smoke ? 100 : 5_000, 50),
    concurrency: int("--concurrency", smoke ? 2 : 16, 1),
    importBatch: int("--import-batch", smoke ? 20 : 1_000, 1),
    importConcurrency: int("--import-concurrency", smoke ? 2 : 4, 1),
    importProtocol: protocol(args.get("--import-protocol") ?? "connect"),
    cliImportUsers: int("--cli-import-users", smoke ? 60 : 100_000, 1),
    cliImportClearTextUsers: int("--cli-import-clear-text-users", smoke ? 20 : 100_000, 1),
    entry: args.get("--entry") ?? "src/main.ts",
    cpuProfDir: args.get("--cpu-prof"),
    only: (args.get("--only") ?? "").split(",").filter((s) => s !== ""),
    markdownOut: args.get("--markdown"),
    cores: availableParallelism(),
  };
}
