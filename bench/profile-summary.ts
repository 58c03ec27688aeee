// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and
// by file, the top entries first. `npx tsx bench/profile-summary.ts FILE [N]`,
// or printed by `npm run bench -- --cpu-prof DIR` after the run.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export function summariseProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const where = shortUrl(frame.url);
    const fn = `${frame.functionName || "(anonymous)"} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const area = frame.url ? where.replace(/^(node_modules\/(?:@[^/]+\/)?[^/]+).*$/, "$1") : frame.functionName;
    byFile.set(area, (byFile.get(area) ?? 0) + us);
    total += us;
  }
  // Percentages of busy time: a service waiting on its database is mostly idle.
  const idle = byFunction.get("(idle) ") ?? 0;
  byFunction.delete("(idle) ");
  byFile.delete("(idle)");
  const busy = total - idle;
  const lines = [
    `CPU profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${pct(busy, total)}); shares below are of busy time`,
    "",
    "self time by function:",
  ];
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us, busy).padStart(6)}  ${fn}`);
  lines.push("", "self time by package / file:");
  for (const [area, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us, busy).padStart(6)}  ${area}`);
  return lines.join("\n");
}

function shortUrl(url: string): string {
  if (url === "") return "";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("node_modules/");
  return nm >= 0 ? path.slice(nm) : path.startsWith("/") ? relative(process.cwd(), path) : path;
}

function pct(us: number, total: number): string {
  return `${((100 * us) / Math.max(1, total)).toFixed(1)}%`;
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error("usage: tsx bench/profile-summary.ts FILE.cpuprofile [N]");
  console.log(summariseProfile(file, top ? Number(top) : 25));
}
