// One database server for the whole test run: MONGODB_URI when set (a real
// MongoDB or anything wire-compatible), else a throwaway FerretDB on an
// embedded PostgreSQL (scripts/ferretdb-process.mjs) started here and stopped
// at the end. Each test file then uses its own database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildFerretDb, startFerretDb } from "../../scripts/ferretdb-process.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    mongodbUri: string;
  }
}

export default async function setup(project: TestProject) {
  const fromEnv = process.env["MONGODB_URI"];
  if (fromEnv) {
    project.provide("mongodbUri", fromEnv);
    return;
  }
  buildFerretDb();
  // Run as root, PostgreSQL runs as `postgres`: startFerretDb makes this
  // folder enterable (mkdtemp makes it 0700).
  const dataDir = mkdtempSync(join(tmpdir(), "avnology-ferretdb-"));
  // FerretDB logs every unique clash at ERROR level (the tests make many):
  // its log and PostgreSQL's go to a file beside the data.
  const ferret = await startFerretDb({ dataDir, logFile: join(dataDir, "database.log") });
  project.provide("mongodbUri", ferret.uri);
  return async () => {
    await ferret.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
