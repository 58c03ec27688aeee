// The end of an import: the summary (human text, or one JSON document with
// --json) and the exit code. Pure.
import { AvnologyError } from "../../../sdk/src/index.js";
import { formatError } from "../output.js";
import { rejectedTotal, type ImportCounts } from "./import-state.js";
import type { ImportReport } from "./run-import.js";

/** 0 when every line of the file was created (or, dry run, would be); 1 when some were refused or the import stopped. */
export function exitCodeOf(report: ImportReport): number {
  if (report.outcome === "nothing-to-do") return 0;
  if (report.outcome === "stopped") return 1;
  return rejectedTotal(report.totals) === 0 ? 0 : 1;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function itemsPerSecond(report: ImportReport): number {
  const items = report.run.created + rejectedTotal(report.run);
  return report.elapsedMs > 0 ? Math.round((items * 1000) / report.elapsedMs) : 0;
}

export function summaryJson(report: ImportReport): Record<string, unknown> {
  const common = {
    input: report.options.file,
    dry_run: report.options.dryRun,
    outcome: report.outcome.replaceAll("-", "_"),
    rejects_file: report.options.rejects,
    ...(report.stateFile !== undefined && { state_file: report.stateFile }),
  };
  if (report.outcome === "nothing-to-do") return { ...common, totals: countsJson(report.totals) };
  return {
    ...common,
    lines: report.lines,
    created: report.run.created,
    rejected: rejectedTotal(report.run),
    rejected_by_code: sortedCodes(report.run),
    skipped: report.skipped,
    resent: report.resent,
    elapsed_seconds: seconds(report.elapsedMs),
    items_per_second: itemsPerSecond(report),
    totals: countsJson(report.totals),
    ...(report.error !== undefined && { error: formatError(report.error).replace(/^error: /, "").trimEnd() }),
  };
}

function countsJson(counts: ImportCounts) {
  return { created: counts.created, rejected: rejectedTotal(counts), rejected_by_code: sortedCodes(counts) };
}

function sortedCodes(counts: ImportCounts): Record<string, number> {
  return Object.fromEntries(Object.entries(counts.rejected).sort(([a], [b]) => a.localeCompare(b)));
}

export function summaryText(report: ImportReport): string {
  const { file, rejects, dryRun } = report.options;
  if (report.outcome === "nothing-to-do") {
    const t = report.totals;
    return (
      `nothing to do: ${file} was imported completely (${t.created} created, ${rejectedTotal(t)} rejected; rejects in ${rejects}).\n` +
      `To import it again from the start, delete ${report.stateFile ?? "its .import-state.json file"}.\n`
    );
  }
  const rejected = rejectedTotal(report.run);
  const created = dryRun ? `${report.run.created} would be created` : `${report.run.created} created`;
  const lines = [
    `${headline(report)} ${file}: ${report.lines} lines, ${created}, ${rejected} rejected` +
      (report.skipped > 0 ? `, ${report.skipped} skipped (done in an earlier run)` : "") +
      `, ${seconds(report.elapsedMs)} s, ${itemsPerSecond(report)} items/s`,
  ];
  for (const [code, n] of Object.entries(sortedCodes(report.run))) lines.push(`  ${code}  ${n}`);
  if (report.resent > 0) lines.push(`${report.resent} items were sent again after a rate limit or overload of their own`);
  if (report.skipped > 0) {
    const t = report.totals;
    lines.push(`all runs: ${t.created} created, ${rejectedTotal(t)} rejected`);
  }
  if (rejectedTotal(report.totals) > 0) lines.push(`rejected lines: ${rejects}`);
  return lines.join("\n") + "\n";
}

function headline(report: ImportReport): string {
  const verb = report.options.dryRun ? "validat" : "import";
  return report.outcome === "stopped" ? `stopped ${verb}ing` : `${verb}ed`;
}

/** What stderr says when the import stopped before the end. */
export function stoppedText(report: ImportReport): string {
  if (report.error instanceof AvnologyError && report.error.code === "AVNOLOGY_AUTH_904") {
    return (
      `${formatError(report.error)}a batch is larger than the service takes (its MAX_BATCH_BODY_BYTES): ` +
      `start over with a smaller --batch-size (delete ${report.stateFile ?? "the state file"}; lines created so far will then be refused as duplicates, AVNOLOGY_AUTH_014)\n`
    );
  }
  const resume = report.options.dryRun
    ? "run the dry run again to validate the rest"
    : `${report.batchesDone} of ${report.batches} batches are done; run the same command again to resume (state: ${report.stateFile ?? ""})`;
  return `${formatError(report.error)}the import stopped before the end: ${resume}\n`;
}
