// The SDK must run in browsers: none of its modules (nor the project modules
// they pull in) may import Node built-ins or Node-only packages.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const nodeOnly = /^(node:|@connectrpc\/connect-node|@grpc\/grpc-js|mongodb|argon2|pino|p-queue)/;

it("imports nothing Node-only, transitively", () => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, spec] of source.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)) {
      if (spec!.startsWith(".")) visit(resolve(dirname(file), spec!.replace(/\.js$/, ".ts")));
      else packages.add(spec!);
    }
  };
  visit(resolve(root, "sdk/src/index.ts"));
  expect([...packages].filter((p) => nodeOnly.test(p))).toEqual([]);
  expect(packages).toContain("@connectrpc/connect-web");
  expect(seen.size).toBeGreaterThan(3);
});
