// No Docker engine runs here, so the container files are checked for what can
// rot silently: every file they copy exists, every npm script they run is
// defined, the entry they start is what the build writes, and compose's env
// file has its documented example.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = join(import.meta.dirname, "..", "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const dockerfile = read("Dockerfile");
const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;

describe("Dockerfile", () => {
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/).slice(0, -1)).flat();
  it.each(copies)("copies %s, which exists", (source) => {
    expect(existsSync(join(root, source))).toBe(true);
  });

  const runScripts = [...dockerfile.matchAll(/^RUN .*$/gm)].flatMap((line) => [...line[0].matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!));
  it.each(runScripts)("runs npm script %s, which is defined", (name) => {
    expect(scripts[name]).toBeDefined();
  });

  it("starts what the build writes, as start:prod does", () => {
    expect(dockerfile).toMatch(/CMD \["node", "--enable-source-maps", "dist\/src\/main.js"\]/);
    expect(scripts["start:prod"]).toBe("node --enable-source-maps dist/src/main.js");
    expect(existsSync(join(root, "src", "main.ts"))).toBe(true);
    expect(read("tsconfig.build.json")).toMatch(/"outDir": "dist"/);
  });

  it("runs as a non-root user and checks /healthz, which the service serves", () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
  });
});

describe("compose.yaml", () => {
  const compose = parse(read("compose.yaml")) as { services: Record<string, Record<string, unknown>> };
  it("builds the Dockerfile and reads its secrets from the documented env file", () => {
    const identity = compose.services["identity"]!;
    expect(identity["build"]).toBe(".");
    expect(identity["env_file"]).toEqual(["identity.env"]);
    const example = read("docs/identity.env.example");
    for (const name of ["API_KEY_PEPPER", "BOOTSTRAP_KEY"]) expect(example).toMatch(new RegExp(`^${name}=`, "m"));
    expect(read(".gitignore")).toMatch(/^identity\.env$/m);
  });

  it("runs MongoDB as a replica set and points the service at it", () => {
    const mongo = compose.services["mongo"]!;
    expect(mongo["command"]).toEqual(expect.arrayContaining(["--replSet", "rs0"]));
    expect((compose.services["identity"]!["environment"] as Record<string, string>)["MONGODB_URI"]).toMatch(/replicaSet=rs0/);
  });
});
