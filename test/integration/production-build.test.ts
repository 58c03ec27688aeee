// The production build as an operator runs it: `npm run build`, then
// `npm run start:prod` (node on dist/, no tsx, no local database, no dev
// secrets): it refuses to start without MONGODB_URI and API_KEY_PEPPER,
// naming each; with them it serves, and it writes nothing into the package.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcess, type ServiceProcess } from "../support/processes.js";
import { rest } from "../support/rest.js";
import { freshDatabaseUri } from "../support/test-server.js";

const root = join(import.meta.dirname, "..", "..");
const prodEntry = ["node", "--enable-source-maps", "dist/src/main.js"];

/** Every file under dist/ with its size and mtime: what a start may not change. */
function snapshot(dir = join(root, "dist")): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      const s = statSync(path);
      return `${path}:${s.size}:${s.mtimeMs}`;
    })
    .sort();
}

beforeAll(() => {
  execFileSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "pipe" });
}, 180_000);

describe("npm run start:prod", () => {
  const cases = [
    { name: "neither", env: {}, says: /MONGODB_URI and API_KEY_PEPPER are not set/ },
    { name: "no pepper", env: { MONGODB_URI: "mongodb://127.0.0.1:1/x" }, says: /API_KEY_PEPPER is not set/ },
    { name: "no database", env: { API_KEY_PEPPER: "x".repeat(40) }, says: /MONGODB_URI is not set/ },
  ];
  it.each(cases)("refuses to start with $name, naming what is missing", ({ env, says }) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "MONGODB_URI" && k !== "API_KEY_PEPPER"));
    const result = spawnSync("npm", ["run", "-s", "start:prod"], { cwd: root, env: { ...clean, ...env }, encoding: "utf8", timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(says);
  });

  describe("with its settings", () => {
    let service: ServiceProcess;
    let before: string[];
    const bootstrapKey = `bootstrap-${randomBytes(24).toString("hex")}`;
    beforeAll(async () => {
      before = snapshot();
      service = await startProcess(
        { MONGODB_URI: freshDatabaseUri(), API_KEY_PEPPER: randomBytes(32).toString("hex"), BOOTSTRAP_KEY: bootstrapKey, NODE_ENV: "production" },
        prodEntry,
      );
    }, 60_000);
    afterAll(async () => service?.stop());

    it("serves the API and the OpenAPI document from dist/", async () => {
      const tenant = await rest(service.baseUrl, "POST", "/v1/api-keys", { name: "Prod", scopes: ["admin:users:write"] }, { authorization: `Bearer ${bootstrapKey}` });
      expect(tenant.status).toBe(201);
      const created = await rest(service.baseUrl, "POST", "/v1/identities", { identity: { email: "prod@example.com" }, initial_password: "A-long-enough-Passphrase" }, { authorization: `Bearer ${tenant.json.secret}` });
      expect(created.status).toBe(201);
      // The breached-password table came with the build.
      const breached = await rest(service.baseUrl, "POST", "/v1/identities", { identity: { email: "weak@example.com" }, initial_password: "password123" }, { authorization: `Bearer ${tenant.json.secret}` });
      expect(breached.json.error.code).toBe("AVNOLOGY_AUTH_010");
      expect((await rest(service.baseUrl, "GET", "/openapi.json")).status).toBe(200);
    });

    it("wrote nothing into the package", () => {
      expect(snapshot()).toEqual(before);
    });
  });
});
