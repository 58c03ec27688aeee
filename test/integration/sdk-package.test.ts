// The SDK as a user gets it: `npm pack -w @avnology/identity-sdk` (prepack
// builds it), installed into an empty folder, used from a plain .mjs file on
// Node against a real server, and bundled for browsers with esbuild. Its
// install pulls none of the server's dependencies.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

const root = join(import.meta.dirname, "..", "..");
let server: TestServer;
let app: string;

beforeAll(async () => {
  server = await startTestServer();
  app = mkdtempSync(join(tmpdir(), "avnology-sdk-user-"));
  const packed = execFileSync("npm", ["pack", "-w", "@avnology/identity-sdk", "--pack-destination", app, "--json"], { cwd: root, encoding: "utf8" });
  const [{ filename }] = JSON.parse(packed.slice(packed.indexOf("["))) as [{ filename: string }];
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "sdk-user", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(app, filename)], { cwd: app, stdio: "pipe" });
}, 240_000);
afterAll(async () => {
  await server?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

describe("the packed @avnology/identity-sdk", () => {
  it("installs without the server's dependencies", () => {
    const installed = readdirSync(join(app, "node_modules"));
    for (const serverOnly of ["mongodb", "argon2", "@grpc", "pino", "p-queue"]) expect(installed).not.toContain(serverOnly);
    const manifest = JSON.parse(readFileSync(join(app, "node_modules", "@avnology", "identity-sdk", "package.json"), "utf8"));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-web"]);
  });

  it("works from a plain .mjs file: the seed call verbatim, then a typed error", async () => {
    writeFileSync(
      join(app, "seed.mjs"),
      `import { createAvnologyClient, AvnologyError } from "@avnology/identity-sdk";
const client = createAvnologyClient({ baseUrl: process.env.AVNOLOGY_URL, apiKey: process.env.AVNOLOGY_API_KEY });
const user = await client.admin.createUser({ email: "plain.js@example.com", password: "plain js passphrase", name: "Plain JS" });
const again = await client.admin.createUser({ email: "plain.js@example.com" }).catch((e) => e);
console.log(JSON.stringify({ id: user.id, displayName: user.displayName, error: again instanceof AvnologyError ? [again.code, again.status, again.field] : String(again) }));
`,
    );
    // Asynchronously: the server answering it runs in this process.
    const { stdout: out } = await promisify(execFile)("node", ["seed.mjs"], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, AVNOLOGY_URL: server.baseUrl, AVNOLOGY_API_KEY: (server.auth["authorization"] ?? "").replace(/^Bearer\s+/i, "") },
    });
    const result = JSON.parse(out.trim());
    expect(result.id).toMatch(/^usr_/);
    expect(result.displayName).toBe("Plain JS");
    expect(result.error).toEqual(["AVNOLOGY_AUTH_014", 409, "email"]);
  });

  it("bundles for browsers with esbuild --platform=browser", () => {
    writeFileSync(join(app, "browser.mjs"), `import { createAvnologyClient } from "@avnology/identity-sdk";\nglobalThis.client = createAvnologyClient({ baseUrl: "https://id.example.com", apiKey: "" });\n`);
    execFileSync(join(root, "node_modules", ".bin", "esbuild"), ["browser.mjs", "--bundle", "--platform=browser", "--format=esm", "--outfile=bundle.js"], { cwd: app, stdio: "pipe" });
    const bundle = readFileSync(join(app, "bundle.js"), "utf8");
    expect(bundle).toContain("AVNOLOGY_SDK_NETWORK"); // the SDK itself, not only its dependencies
    expect(bundle).not.toMatch(/from\s*["']node:/);
  });
});
