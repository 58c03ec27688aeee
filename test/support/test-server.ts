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
import { scopes } from "../../src/auth/caller.js";
import { loadConfig, type Config } from "../../src/config/config.js";
import { createLogger } from "../../src/logger.js";
import { rest, specExampleBody } from "./rest.js";

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
  const setupError = async (res: { status: number; text: string }) => {
    await close();
    return new Error(`startTestServer: setting up the admin tenant answered ${res.status}: ${res.text}`);
  };
  // The tenant's first key sets things up; the tests get a second all-scopes
  // key whose rate-limit budget no setup call has touched.
  const first = await rest(baseUrl, "POST", "/v1/api-keys", { name: "Test tenant", scopes: [...scopes] }, bootstrapAuth);
  if (first.status !== 201) throw await setupError(first);
  const setupAuth = { authorization: `Bearer ${first.json.secret}` };
  const exampleOrg = specExampleBody().identity.organization_id;
  const org = await rest(baseUrl, "POST", `/v1/organizations?organization_id=${exampleOrg}`, { name: "Spec example" }, setupAuth);
  if (org.status !== 201) throw await setupError(org);
  const created = await rest(baseUrl, "POST", "/v1/api-keys", { name: "Test admin", scopes: [...scopes] }, setupAuth);
  if (created.status !== 201) throw await setupError(created);
  const auth = { authorization: `Bearer ${created.json.secret}` };
  return {
    port: server.port,
    baseUrl,
    config,
    db: client.db(),
    auth,
    tenantId: created.json.api_key.tenant_id,
    adminKeyId: created.json.api_key.id,
    bootstrapAuth,
    close,
  };
}
