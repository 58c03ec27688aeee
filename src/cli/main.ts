// The avnology-identity executable (scripts/avnology-identity.mjs loads it):
// runs the command line with the process's real output, environment and fetch.
import { createAvnologyClient } from "../../sdk/src/index.js";
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  fetch: globalThis.fetch,
  createClient: createAvnologyClient,
  terminal: process.stderr.isTTY ? process.stderr : undefined,
});
