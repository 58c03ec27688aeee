// What every command is given: where to write, the environment, and how to
// reach the service. The real ones come from main.ts; tests pass their own
// (fake clients, captured output), so no command needs a server to be tested.
import type { Command } from "commander";
import type { AvnologyClient, AvnologyClientOptions } from "../../sdk/src/index.js";
import { UsageError, formatJson } from "./output.js";

export interface CliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Plain HTTP (health probes); also handed to the SDK client. */
  readonly fetch: typeof globalThis.fetch;
  readonly createClient: (options: AvnologyClientOptions) => AvnologyClient;
  /** stderr when it is a terminal (for progress bars), else undefined. */
  readonly terminal?: NodeJS.WriteStream | undefined;
  /** The clock and the waits of long-running commands (import); default Date.now and setTimeout. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The options of the root command, given before or after the subcommand. */
export interface GlobalOptions {
  readonly url?: string;
  readonly apiKey?: string;
  readonly bootstrapKey?: string;
  readonly json?: boolean;
}

export const defaultUrl = "http://localhost:8080";

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** --url, else AVNOLOGY_URL, else the local development server; without a trailing slash. */
export function serverUrl(options: GlobalOptions, env: CliDeps["env"]): string {
  const raw = options.url ?? nonEmpty(env["AVNOLOGY_URL"]) ?? defaultUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`invalid server URL "${raw}" (expected e.g. ${defaultUrl})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`invalid server URL "${raw}": use http:// or https://`);
  return url.toString().replace(/\/+$/, "");
}

/** --api-key, else AVNOLOGY_API_KEY: an admin key of the tenant. */
export function apiKey(options: GlobalOptions, env: CliDeps["env"]): string {
  const key = options.apiKey ?? nonEmpty(env["AVNOLOGY_API_KEY"]);
  if (!key) throw new UsageError("no API key: set AVNOLOGY_API_KEY or pass --api-key");
  return key;
}

/** --bootstrap-key, else AVNOLOGY_BOOTSTRAP_KEY: the service's BOOTSTRAP_KEY (creates tenants only). */
export function bootstrapKey(options: GlobalOptions, env: CliDeps["env"]): string {
  const key = options.bootstrapKey ?? nonEmpty(env["AVNOLOGY_BOOTSTRAP_KEY"]);
  if (!key) throw new UsageError("no bootstrap key: set AVNOLOGY_BOOTSTRAP_KEY or pass --bootstrap-key");
  return key;
}

/** The SDK client of the tenant's admin key. */
export function adminClient(deps: CliDeps, options: GlobalOptions): AvnologyClient {
  return deps.createClient({ baseUrl: serverUrl(options, deps.env), apiKey: apiKey(options, deps.env), fetch: deps.fetch });
}

/** Writes --json output as one document, else the human text. */
export function emit(deps: CliDeps, options: GlobalOptions, json: () => unknown, human: () => string): void {
  deps.stdout(options.json ? formatJson(json()) : human());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
