// The avnology-identity command line: its commands, global options and exit
// codes (0 done, 1 the service said no or could not be reached, 2 a wrong
// invocation). runCli never exits the process and never writes to the
// console itself: main.ts gives it the real output, tests a captured one.
import { Command, CommanderError } from "commander";
import { defaultUrl, type CliDeps } from "./context.js";
import { healthCommand } from "./health.js";
import { identitiesCommand } from "./identities.js";
import { importCommand } from "./import/command.js";
import { keysCommand, tenantCommand } from "./keys.js";
import { organizationsCommand } from "./organizations.js";
import { UsageError, formatError } from "./output.js";

export function buildProgram(deps: CliDeps, setExitCode: (code: number) => void): Command {
  const program = new Command("avnology-identity")
    .description("Administer an Avnology identity service: tenants, API keys, organizations, identities, imports, health.")
    .option("--url <url>", `the service (env AVNOLOGY_URL; default ${defaultUrl})`)
    .option("--api-key <key>", "an admin API key, ak_live_... (env AVNOLOGY_API_KEY; prefer the env: flags show up in ps)")
    .option("--bootstrap-key <key>", "the service's bootstrap key, for tenant create (env AVNOLOGY_BOOTSTRAP_KEY)")
    .option("--json", "machine output: one JSON document (an array for lists)")
    .addCommand(tenantCommand(deps))
    .addCommand(keysCommand(deps))
    .addCommand(organizationsCommand(deps))
    .addCommand(identitiesCommand(deps))
    .addCommand(importCommand(deps, setExitCode))
    .addCommand(healthCommand(deps, setExitCode));
  for (const command of allCommands(program)) {
    command
      .exitOverride()
      .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
      .configureHelp({ showGlobalOptions: true })
      .showHelpAfterError("(add --help for usage)");
  }
  return program;
}

/** Runs one invocation (`argv` without node and the script) and answers its exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(deps, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (err) {
    // commander has already printed its own message (usage errors, help, version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    deps.stderr(formatError(err));
    return err instanceof UsageError ? 2 : 1;
  }
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}
