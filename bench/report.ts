// Medians, spreads and the table `npm run bench` prints (and writes as
// markdown for BENCHMARKS.md).

export interface RowResult {
  readonly measure: string;
  readonly ceiling: string;
  /** Median over the runs of the per-run value (a ratio, a size or a delay). */
  readonly value: number;
  readonly min: number;
  readonly max: number;
  /** How value is shown: a ratio, "×" (a multiple), MB or ms. */
  readonly unit: "ratio" | "x" | "MB" | "ms";
  /** e.g. ">= 0.95" */
  readonly target: { readonly op: ">=" | "<="; readonly bound: number };
  /** Absolute figures behind the ratio, e.g. "73/s vs 94/s". */
  readonly detail: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarise(values: readonly number[]): { value: number; min: number; max: number } {
  return { value: median(values), min: Math.min(...values), max: Math.max(...values) };
}

export function met(row: RowResult): boolean {
  return row.target.op === ">=" ? row.value >= row.target.bound : row.value <= row.target.bound;
}

function show(row: RowResult, v: number): string {
  switch (row.unit) {
    case "ratio":
      return v.toFixed(2);
    case "x":
      return `${v.toFixed(2)}×`;
    case "MB":
      return `${Math.round(v)} MB`;
    case "ms":
      return `${v.toFixed(1)} ms`;
  }
}

export function markdownTable(rows: readonly RowResult[]): string {
  const lines = [
    "| measure | ceiling, same run | result (median) | spread (min–max) | target | met | figures (medians) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const unit = row.unit === "MB" ? " MB" : row.unit === "ms" ? " ms" : row.unit === "x" ? "×" : "";
    lines.push(
      `| ${row.measure} | ${row.ceiling} | ${show(row, row.value)} | ${show(row, row.min)}–${show(row, row.max)} | ${row.target.op.replace(">=", "≥").replace("<=", "≤")} ${row.target.bound}${unit} | ${met(row) ? "yes" : "**no**"} | ${row.detail} |`,
    );
  }
  return lines.join("\n");
}

export const perSecond = (n: number) => `${n >= 100 ? Math.round(n) : n.toFixed(1)}/s`;
