// Starts the real app on an ephemeral port against the run's database, with
// a database of its own per server, and stops it afterwards. Every server
// gets its own bootstrap key and pepper, and one tenant whose all-scopes
// admin key (created through the real API) is `server.auth`. That tenant
// also has the organization the spec's example request names
// (specExampleBody in rest.ts), so the example works as is.
import { randomBytes, randomUUID } from "node:crypto";
import { inject } from "vitest";
import { MongoClient, type Db } from "mongodb";
import { buildApp, type AppOptions } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config/config.js";
import { createLogger } from "../../src/logger.js";
import { setUpAdminTenant } from "./admin-tenant.js";

export interface TestServer {
  readonly port: number;
  readonly baseUrl: string;
  readonly config: Config;
  /** Direct access to the server's database, for assertions on what was stored. */
  readonly db: Db;
  /**
   * Headers that authenticate as a tenant-wide admin caller holding every
   * scope (HTTP headers for REST/Connect, metadata for grpc-js). Send them on
   * every call.
   */
  readonly auth: Readonly<Record<string, string>>;
  /** The tenant of `auth` (it has the organization of specExampleBody()), and the id of its key. */
  readonly tenantId: string;
  readonly adminKeyId: string;
  /** Headers carrying the bootstrap key (creates tenants, nothing else). */
  readonly bootstrapAuth: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** A MongoDB URI naming a fresh database on the run's server. */
export function freshDatabaseUri(): string {
  const url = new URL(inject("mongodbUri"));
  url.pathname = `/test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  return url.toString();
}

export const testRateLimits: Readonly<Record<string, string>> = {
  RATE_LIMIT_CREDENTIAL_RPS: "100000",
  RATE_LIMIT_CREDENTIAL_BURST: "100000",
  RATE_LIMIT_TENANT_RPS: "100000",
  RATE_LIMIT_TENANT_BURST: "100000",
  RATE_LIMIT_PASSWORD_RPS: "100000",
  RATE_LIMIT_PASSWORD_BURST: "100000",
};

/**
 * Tests open a new gRPC connection per call, far more new HTTP/2 sessions a
 * second from 127.0.0.1 than any client would: the per-address session budget
 * (a rapid-reset defence) is raised like the rate limits; the tests of that
 * budget set their own.
 */
export const testConnectionLimits: Readonly<Record<string, string>> = {
  H2_SESSIONS_PER_SECOND_PER_ADDRESS: "100000",
  H2_SESSION_BURST_PER_ADDRESS: "100000",
};

export interface TestServerOptions extends AppOptions {
  /** Collects every log line the server writes (JSON strings), at level debug. */
  readonly logLines?: string[];
}

export async function startTestServer(env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    MONGODB_URI: freshDatabaseUri(),
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env["LOG_LEVEL"] ?? "silent",
    BOOTSTRAP_KEY: `bootstrap-${randomBytes(24).toString("hex")}`,
    API_KEY_PEPPER: randomBytes(32).toString("hex"),
    // Tests send many bad credentials from 127.0.0.1 on purpose; the
    // throttle has its own test with a low limit.
    AUTH_FAILURE_LIMIT: "100000",
    // Every test calls as one caller, much faster than any client would:
    // budgets far above what a test file uses (rate-limit tests set their own).
    ...testRateLimits,
    ...testConnectionLimits,
    ...env,
  });
  const logger = options.logLines
    ? createLogger("debug", { write: (line: string) => void options.logLines!.push(line) })
    : createLogger(config.logLevel);
  const app = await buildApp(config, logger, options.now ? { now: options.now } : {});
  const server = await app.listen();
  const client = await MongoClient.connect(config.mongodbUri);
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const close = async () => {
    await server.close(1_000);
    await app.close();
    await client.db().dropDatabase().catch(() => undefined);
    await client.close();
  };

  const bootstrapAuth = { authorization: `Bearer ${config.auth.bootstrapKey ?? ""}` };
  const tenant = await setUpAdminTenant(baseUrl, config.auth.bootstrapKey ?? "").catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return {
    port: server.port,
    baseUrl,
    config,
    db: client.db(),
    ...tenant,
    bootstrapAuth,
    close,
  };
}
