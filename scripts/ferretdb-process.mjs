// Starts the local MongoDB-wire server: FerretDB (pinned in tools/go.mod) on
// its PostgreSQL backend, over an embedded PostgreSQL (scripts/embedded-postgres.mjs),
// both on loopback ports. Used by the test global setup, by scripts/run-local.mjs
// (npm start) and by the benchmarks. Plain JS so node and vitest load it
// without a build step.
//
// Why PostgreSQL and not FerretDB's SQLite backend: SQLite scans every
// document for an equality on _id and tenant_id (620–800 ms at 9,249
// identities); the PostgreSQL backend answers the same in ~31 ms at 20,000
// (see docs/storage.md). Neither backend uses an index the way MongoDB does.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startPostgres, stopChild } from "./embedded-postgres.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ferretdbBinary = join(root, ".tools", "ferretdb");

/** Builds .tools/ferretdb from the version pinned in tools/go.mod (no-op when up to date). */
export function buildFerretDb() {
  execFileSync("bash", [join(root, "scripts", "build-ferretdb.sh")], { stdio: "inherit" });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL (data in `dataDir/postgres`, kept across starts) and
 * FerretDB on 127.0.0.1:`port` (a free port when omitted). Logs of both go to
 * `logFile` when given; else FerretDB's errors go to stderr and PostgreSQL's
 * lines are only shown when it fails to start. `ownProcessGroup` puts both in
 * their own process group, so a terminal's Ctrl-C reaches only the caller,
 * which then stops them after its own work (the npm start launcher does).
 * @param {{ dataDir: string, port?: number, logFile?: string, ownProcessGroup?: boolean }} options
 * @returns {Promise<{ uri: string, port: number, pids: number[], stop: () => Promise<void> }>}
 */
export async function startFerretDb({ dataDir, port, logFile, ownProcessGroup = false }) {
  mkdirSync(dataDir, { recursive: true });
  const logFd = logFile ? openSync(logFile, "a") : undefined;
  const log = (line) => logFd !== undefined && writeSync(logFd, `${line}\n`);
  const closeLog = () => logFd !== undefined && closeSync(logFd);
  let postgres;
  try {
    postgres = await startPostgresOnFreePort({ dataDir, log, detached: ownProcessGroup });
  } catch (error) {
    closeLog();
    throw error;
  }
  const listenPort = port ?? (await freePort());
  mkdirSync(join(dataDir, "ferretdb"), { recursive: true });
  const child = spawn(
    ferretdbBinary,
    [
      "--handler=postgresql",
      `--state-dir=${join(dataDir, "ferretdb")}`,
      `--listen-addr=127.0.0.1:${listenPort}`,
      // Its debug/metrics listener defaults to 127.0.0.1:8088, which makes a
      // second instance on the same machine fail: switched off.
      "--debug-addr=-",
      "--telemetry=disable",
      "--log-level=error",
    ],
    {
      detached: ownProcessGroup,
      stdio: ["ignore", logFd ?? "inherit", logFd ?? "inherit"],
      // The URL holds the cluster's password: passed in the environment, not
      // on the command line where `ps` shows it.
      env: { ...process.env, FERRETDB_POSTGRESQL_URL: postgres.url },
    },
  );
  let exited = false;
  child.once("exit", () => (exited = true));
  const watchdog = startWatchdog([
    [child.pid, "TERM"],
    [postgres.pid, "INT"],
  ]);
  const stop = async () => {
    stopWatchdog(watchdog);
    await stopChild(child, "SIGTERM", 5_000);
    await postgres.stop();
    closeLog();
  };
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(listenPort))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(exited ? `ferretdb exited early (see ${logFile ?? "stderr"})` : "ferretdb did not start listening within 20 s");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { uri: `mongodb://127.0.0.1:${listenPort}/`, port: listenPort, pids: [child.pid, postgres.pid], stop };
}

/**
 * A process that outlives us only to stop the database: when this process
 * is gone without having called stop() (vitest ends on SIGTERM without its
 * teardown, a launcher gets SIGKILL), it stops FerretDB and PostgreSQL
 * within a second, so nothing is left running. Its own process group, so a
 * terminal's Ctrl-C does not end it before it has done its work.
 */
function startWatchdog(targets) {
  const kills = targets.map(([pid, signal]) => `kill -${signal} ${pid} 2>/dev/null`).join("; ");
  const watchdog = spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${kills}`], {
    detached: true,
    stdio: "ignore",
  });
  watchdog.unref();
  return watchdog;
}

function stopWatchdog(watchdog) {
  try {
    process.kill(-watchdog.pid, "SIGKILL"); // the group: its shell and its `sleep`
  } catch {
    // already gone
  }
}

/** PostgreSQL on a free port; another process may take that port first, so a few tries. */
async function startPostgresOnFreePort({ dataDir, log, detached }) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPostgres({ dataDir, port: await freePort(), log, detached });
    } catch (error) {
      if (attempt === 3 || !/could not (bind|create listen socket)/.test(String(error.message))) throw error;
    }
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
