// `health`: the service's probes, GET /healthz (the process runs) and
// GET /readyz (it can serve: started and the database answers). Exits 1
// unless ready, so scripts and deploy checks can wait on it. Plain fetch:
// the probes are not RPCs and need no credentials.
import { Command } from "commander";
import { emit, globalOptions, serverUrl, type CliDeps } from "./context.js";

export interface Probe {
  /** The HTTP status, 0 when the service could not be reached. */
  readonly status: number;
  /** The JSON body, or the error that kept it from coming. */
  readonly body: unknown;
}

export interface HealthReport {
  readonly url: string;
  readonly live: boolean;
  readonly ready: boolean;
  readonly healthz: Probe;
  readonly readyz: Probe;
}

export function healthCommand(deps: CliDeps, setExitCode: (code: number) => void): Command {
  return new Command("health")
    .description("is the service live and ready? (GET /healthz and /readyz; exit 1 unless ready)")
    .action(async (_flags, command: Command) => {
      const options = globalOptions(command);
      const report = await checkHealth(deps.fetch, serverUrl(options, deps.env));
      emit(deps, options, () => report, () => describeHealth(report));
      if (!report.ready) setExitCode(1);
    });
}

export async function checkHealth(fetch: CliDeps["fetch"], url: string): Promise<HealthReport> {
  const [healthz, readyz] = await Promise.all([probe(fetch, `${url}/healthz`), probe(fetch, `${url}/readyz`)]);
  return { url, live: healthz.status === 200, ready: readyz.status === 200, healthz, readyz };
}

export function describeHealth(report: HealthReport): string {
  if (report.ready) return `ready (${report.url})\n`;
  const body = report.readyz.body as { reason?: unknown; error?: unknown } | null;
  const why =
    report.readyz.status === 0 ? `unreachable: ${String(body?.error)}`
    : typeof body?.reason === "string" ? `${body.reason}, HTTP ${report.readyz.status}`
    : `HTTP ${report.readyz.status}`;
  const live = report.healthz.status === 0 ? "" : report.live ? "; live" : `; not live (HTTP ${report.healthz.status})`;
  return `not ready (${report.url}): ${why}${live}\n`;
}

async function probe(fetch: CliDeps["fetch"], url: string): Promise<Probe> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { status: 0, body: { error: `${err instanceof Error ? err.message : String(err)}${cause}` } };
  }
}
