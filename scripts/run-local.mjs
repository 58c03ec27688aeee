// npm start without MONGODB_URI: starts the local database (embedded
// PostgreSQL + FerretDB, scripts/ferretdb-process.mjs), runs the service
// against it, and on SIGINT/SIGTERM/SIGHUP stops the service first (it
// drains), then FerretDB, then PostgreSQL. scripts/start.sh `exec`s this, so
// a signal to `npm start` (npm forwards it) or Ctrl-C lands here. The
// database runs in its own process group so a terminal's Ctrl-C cannot stop
// it under the draining service.
//
// Knobs: LOCAL_DB_DIR (default .data/, or a folder the postgres user can
// enter when run as root under a 0700 home), FERRETDB_PORT (default: a port
// derived from the checkout's path, so two checkouts do not collide).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { firstBlockedFolder } from "./embedded-postgres.mjs";
import { freePort, startFerretDb } from "./ferretdb-process.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const checkoutHash = createHash("sha256").update(root).digest();
const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
const signalNumbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

let service;
let database;
let stopping;
let exitRequested; // a signal came before the service ran

for (const signal of signals) {
  process.on(signal, () => {
    // The service may be starting or draining: it gets the signal and stops
    // itself; the database is stopped once it has exited.
    if (service && service.exitCode === null) return void service.kill(signal);
    exitRequested ??= 128 + signalNumbers[signal];
    if (database) void stopAll(exitRequested);
  });
}

const dataDir = chooseDataDir();
const port = await chooseFerretPort();
try {
  database = await startFerretDb({ dataDir, port, logFile: join(dataDir, "database.log"), ownProcessGroup: true });
} catch (error) {
  console.error(`could not start the local database: ${error.message}`);
  process.exit(1);
}
if (exitRequested !== undefined) await stopAll(exitRequested);
const mongodbUri = `${database.uri}avnology`;
console.error(`local database: ${mongodbUri} (FerretDB on an embedded PostgreSQL; data and log in ${dataDir})`);
service = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, MONGODB_URI: mongodbUri },
});
service.once("exit", (code, signal) => void stopAll(code ?? 128 + (signalNumbers[signal] ?? 9)));

function stopAll(exitCode) {
  stopping ??= (async () => {
    await database?.stop();
    process.exit(exitCode);
  })();
  return stopping;
}

/** .data/ in the checkout unless PostgreSQL (run as `postgres` under root) could not enter it. */
function chooseDataDir() {
  if (process.env.LOCAL_DB_DIR) return process.env.LOCAL_DB_DIR;
  const inCheckout = join(root, ".data");
  const blocked = firstBlockedFolder(inCheckout);
  if (!blocked) return inCheckout;
  const fallback = join("/var/tmp", `avnology-identity-${checkoutHash.toString("hex").slice(0, 12)}`);
  console.error(`the postgres user cannot enter ${blocked}: the local database lives in ${fallback} instead`);
  return fallback;
}

/** FERRETDB_PORT, else a port in 27100–27899 derived from the checkout's path (a free one if taken). */
async function chooseFerretPort() {
  if (process.env.FERRETDB_PORT) return Number(process.env.FERRETDB_PORT);
  const derived = 27100 + (checkoutHash.readUInt16BE(0) % 800);
  return (await isFree(derived)) ? derived : freePort();
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
