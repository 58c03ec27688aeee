// `avnology-identity import <file>`: bring users in from a JSONL (or CSV)
// file through BatchCreateIdentities, with progress, rejects.jsonl, a
// summary, and resume after a kill.
import { dirname, join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { apiKey, globalOptions, serverUrl, type CliDeps } from "../context.js";
import { formatJson } from "../output.js";
import { maxBatchSize } from "./batches.js";
import type { InputFormat } from "./read-input.js";
import { runImport } from "./run-import.js";
import { exitCodeOf, stoppedText, summaryJson, summaryText } from "./summary.js";

interface ImportFlags {
  readonly format: InputFormat;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly rejects?: string;
  readonly dryRun?: boolean;
}

export function importCommand(deps: CliDeps, setExitCode: (code: number) => void): Command {
  return new Command("import")
    .description(
      "create identities from a file: JSONL, one CreateIdentity request per line " +
        '({"identity": {"email": ...}, "initial_password" | "password_hash": ...}), or CSV with --format csv. ' +
        "Needs a key with admin:users:write (and admin:users:import for password_hash). " +
        "Killed or stopped, the same command resumes where it stopped (state in <file>.import-state.json).",
    )
    .argument("<file>", "the users to import")
    .addOption(new Option("--format <format>", "jsonl, or csv with a header row naming the fields (email, first_name, ..., initial_password, password_hash)").choices(["jsonl", "csv"]).default("jsonl"))
    .option("--batch-size <n>", `identities per call (1-${maxBatchSize})`, wholeNumber(1, maxBatchSize), maxBatchSize)
    .option("--concurrency <n>", "calls in flight at once (1-16)", wholeNumber(1, 16), 4)
    .option("--rejects <path>", "where refused lines go, one JSON object each (default: rejects.jsonl next to the file; a new import overwrites it)")
    .option("--dry-run", "validate every line (validate_only) and report what would be refused; creates nothing, keeps no resume state")
    .action(async (file: string, flags: ImportFlags, command: Command) => {
      const options = globalOptions(command);
      const baseUrl = serverUrl(options, deps.env);
      const client = deps.createClient({ baseUrl, apiKey: apiKey(options, deps.env), fetch: deps.fetch, binaryFormat: true });
      const path = resolve(file);
      const now = deps.now ?? Date.now;
      const report = await runImport(
        {
          call: (request) => client.raw.identities.batchCreateIdentities(request),
          sleep: deps.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms))),
          random: Math.random,
          now,
          terminal: deps.terminal,
          stderr: deps.stderr,
        },
        {
          file: path,
          rejects: resolve(flags.rejects ?? join(dirname(path), "rejects.jsonl")),
          format: flags.format,
          batchSize: flags.batchSize,
          concurrency: flags.concurrency,
          dryRun: flags.dryRun === true,
        },
      );
      if (report.outcome === "stopped") deps.stderr(stoppedText(report));
      deps.stdout(options.json ? formatJson(summaryJson(report)) : summaryText(report));
      setExitCode(exitCodeOf(report));
    });
}

function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}
