// No module of the service or the SDK imports itself through others (type
// imports included): a circle means two modules are one idea split wrong, and
// under ESM it can hand a module an export that is not initialized yet.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "gen" ? [] : tsFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function importCycles(dirs: string[]): string[][] {
  const files = new Set(dirs.flatMap((d) => tsFiles(join(root, d))));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const specifiers = [...readFileSync(file, "utf8").matchAll(/(?:import|export)[^"';]*?from\s+["'](\.[^"']+)["']/g)];
    graph.set(
      file,
      specifiers.map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts"))).filter((p) => files.has(p) && existsSync(p)),
    );
  }
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep].map((p) => relative(root, p)));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe("imports", () => {
  it.each([["src"], ["sdk/src"]])("form no circle in %s", (dir) => {
    expect(importCycles([dir])).toEqual([]);
  });
});
