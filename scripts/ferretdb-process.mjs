// Starts a FerretDB (SQLite backend) on a loopback port and returns its URI.
// Used by the test global setup and by scripts/start.sh. Plain JS so both
// node and vitest can load it without a build step.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
 * @param {{ dataDir: string, port?: number, logFile?: string }} options
 * @returns {Promise<{ uri: string, port: number, stop: () => Promise<void> }>}
 */
export async function startFerretDb({ dataDir, port, logFile }) {
  mkdirSync(dataDir, { recursive: true });
  const listenPort = port ?? (await freePort());
  const child = spawn(
    ferretdbBinary,
    [
      "--handler=sqlite",
      `--sqlite-url=file:${dataDir}/`,
      `--state-dir=${dataDir}`,
      `--listen-addr=127.0.0.1:${listenPort}`,
      // Its debug/metrics listener defaults to 127.0.0.1:8088, which makes a
      // second instance on the same machine fail: switched off.
      "--debug-addr=-",
      "--telemetry=disable",
      "--log-level=error",
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(listenPort))) {
    if (exited) throw new Error(`ferretdb exited early (see ${logFile ?? "stderr"})`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("ferretdb did not start listening within 20 s");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    uri: `mongodb://127.0.0.1:${listenPort}/`,
    port: listenPort,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
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
