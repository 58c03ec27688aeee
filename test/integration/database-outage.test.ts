// The database going away and coming back, on a FerretDB of this file's own
// (never the run's shared one): every answer is a success or 503
// AVNOLOGY_AUTH_951 with Retry-After, nothing reported created is lost, the
// service recovers by itself, and an outage is never a bad credential. Also:
// the service starts (and says it is not ready) before its database exists.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/logger.js";
import { freePort, startFerretDb } from "../../scripts/ferretdb-process.mjs";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { GetIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";

const dataDir = mkdtempSync(join(tmpdir(), "avnology-outage-"));
let ferret: Awaited<ReturnType<typeof startFerretDb>> | undefined;
let port: number;

beforeAll(async () => {
  port = await freePort();
});
afterAll(async () => {
  await ferret?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("start-up before the database is reachable", () => {
  it("listens, is live but not ready, answers 951, then connects by itself", async () => {
    const config = loadConfig({
      MONGODB_URI: `mongodb://127.0.0.1:${port}/startup_${randomBytes(4).toString("hex")}`,
      PORT: "0",
      HOST: "127.0.0.1",
      API_KEY_PEPPER: randomBytes(32).toString("hex"),
      BOOTSTRAP_KEY: `bootstrap-${randomBytes(24).toString("hex")}`,
      DATABASE_TIMEOUT_MS: "500",
    });
    const app = await buildApp(config, createLogger("silent"), { awaitStartup: false });
    const server = await app.listen();
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ ready: false, reason: "starting" });
      // An API key the service has never seen needs the database: 951, not 401.
      const call = await rest(base, "GET", "/v1/identities", undefined, { authorization: `Bearer ak_live_${"D".repeat(43)}` });
      expect(call.status).toBe(503);
      expect(call.json.error.code).toBe("AVNOLOGY_AUTH_951");
      expect(Number(call.headers.get("retry-after"))).toBeGreaterThan(0);

      ferret = await startFerretDb({ dataDir, port });
      await app.started;
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await fetch(`${base}/readyz`)).status;
        if (ready !== 200) await sleep(100);
      }
      expect(ready).toBe(200);
      const tenant = await rest(base, "POST", "/v1/api-keys", { name: "first", scopes: ["admin:users:read"] }, { authorization: `Bearer ${config.auth.bootstrapKey}` });
      expect(tenant.status).toBe(201);
    } finally {
      await server.close(1_000);
      await app.close();
    }
  }, 60_000);
});

describe("the database stops and restarts under load", () => {
  let server: TestServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    ferret ??= await startFerretDb({ dataDir, port });
    server = await startTestServer({
      MONGODB_URI: `mongodb://127.0.0.1:${port}/outage_${randomBytes(4).toString("hex")}`,
      DATABASE_TIMEOUT_MS: "1000",
      // Every call looks its key up in the database: an outage must answer
      // 951 to those, never 401, and never count them as bad credentials.
      API_KEY_CACHE_TTL_MS: "0",
      AUTH_FAILURE_LIMIT: "1",
    }, { logLines });
  });
  afterAll(async () => server?.close());

  it("answers successes or 503 951 only, loses no created identity, and recovers", async () => {
    type Outcome = { kind: "create" | "get"; status: number; code?: string; retryAfter?: string | null; ms: number; at: number; id?: string };
    const outcomes: Outcome[] = [];
    let stop = false;
    let n = 0;
    const grpcClient = createGrpcClient(IdentityService, server.port);
    const worker = async () => {
      while (!stop) {
        const started = Date.now();
        if (n++ % 2 === 0) {
          const res = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: `load.${n}.${randomBytes(3).toString("hex")}@example.com` } }, server.auth);
          outcomes.push({ kind: "create", status: res.status, code: res.json?.error?.code, retryAfter: res.headers.get("retry-after"), ms: Date.now() - started, at: started, id: res.json?.id });
        } else {
          const res = await grpcClient.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: "usr_00000000-0000-4000-8000-000000000000" }, server.auth);
          const reason = res.error ? grpcErrorDetails(res.error).errorInfo?.reason : undefined;
          outcomes.push({ kind: "get", status: res.error ? (reason === "AVNOLOGY_AUTH_951" ? 503 : res.error.code === 5 ? 404 : 500 + res.error.code) : 200, code: reason, ms: Date.now() - started, at: started });
        }
        await sleep(20);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await sleep(1_500);
    const stoppedAt = Date.now();
    // The server dies (SIGKILL), as in a crash or a partition: what the
    // service sees is the network failing. (A graceful stop of FerretDB on
    // PostgreSQL answers requests caught mid-shutdown with InternalError,
    // FerretDB's own behaviour, which the service rightly does not read as an
    // outage.) Then the rest of the local database is stopped.
    process.kill(ferret!.pids[0]!, "SIGKILL");
    await ferret!.stop();
    await sleep(500);
    // While it is down: not ready, health says so, a bad credential is not counted.
    const readyz = await fetch(`${server.baseUrl}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ reason: "database_unavailable" });
    const health = await fetch(`${server.baseUrl}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(await health.json()).toEqual({ status: "NOT_SERVING" });
    // A caller's deadline shorter than DATABASE_TIMEOUT_MS bounds the wait: still 951.
    const deadlineStarted = Date.now();
    const short = await fetch(`${server.baseUrl}/avnology.identity.v1.IdentityService/GetIdentity`, {
      method: "POST",
      headers: { ...server.auth, "content-type": "application/json", "connect-protocol-version": "1", "connect-timeout-ms": "300" },
      body: JSON.stringify({ id: "usr_00000000-0000-4000-8000-000000000000" }),
    });
    const deadlineMs = Date.now() - deadlineStarted;
    expect(short.status).toBe(503);
    expect(await short.json()).toMatchObject({ code: "unavailable", message: "Database unavailable" });
    await sleep(2_000);
    const restartedAt = Date.now();
    ferret = await startFerretDb({ dataDir, port });
    let recoveredAt: number | undefined;
    for (let i = 0; i < 400 && recoveredAt === undefined; i++) {
      await sleep(50);
      recoveredAt = outcomes.find((o) => o.at >= restartedAt && o.status < 500)?.at;
    }
    await sleep(1_000);
    stop = true;
    await Promise.all(workers);
    grpcClient.close();

    if (recoveredAt === undefined) {
      // What the calls answered after the restart, to see why (kept: this failure needs its evidence).
      console.log(JSON.stringify(outcomes.filter((o) => o.at >= restartedAt).map((o) => [o.at - restartedAt, o.kind, o.status, o.code, o.ms])));
      console.log(logLines.filter((l) => l.includes('"level":50')).slice(-5).join("\n").slice(0, 4000));
    }
    const unexpected = outcomes.filter((o) => !(o.status === 201 || o.status === 200 || o.status === 404 || (o.status === 503 && o.code === "AVNOLOGY_AUTH_951")));
    if (unexpected.length > 0) {
      // The server faults' log lines, with the times of the kill and the restart (kept: this failure needs its evidence).
      console.log(JSON.stringify({ stoppedAt, restartedAt, unexpected }));
      console.log(logLines.filter((l) => l.includes('"level":50') && !l.includes("AVNOLOGY_AUTH_951")).slice(-5).join("\n").slice(0, 8000));
    }
    expect(unexpected).toEqual([]);
    const outage = outcomes.filter((o) => o.status === 503);
    expect(outage.length).toBeGreaterThan(0);
    for (const o of outage.filter((x) => x.kind === "create")) expect(Number(o.retryAfter)).toBeGreaterThan(0);
    expect(recoveredAt).toBeDefined();

    // No identity reported created is missing.
    const created = outcomes.filter((o) => o.status === 201).map((o) => o.id!);
    const stored = await server.db.collection("identities").find({ _id: { $in: created as never[] } }).project({ _id: 1 }).toArray();
    expect(stored.length).toBe(created.length);

    // An outage was not a bad credential: the limit of 1 is still unspent.
    const bad = await rest(server.baseUrl, "GET", "/v1/identities", undefined, { authorization: `Bearer ak_live_${"C".repeat(43)}` });
    expect(bad.status).toBe(401);

    // Figures for the report (not asserted: the machine is shared).
    const slowest = Math.max(...outage.map((o) => o.ms));
    console.log(
      `outage: ${outcomes.length} calls, ${outage.length} answered 951, slowest 951 ${slowest} ms; ` +
        `first success ${recoveredAt! - restartedAt} ms after the database restarted (down for ${restartedAt - stoppedAt} ms); ` +
        `a call with a 300 ms Connect timeout answered 951 after ${deadlineMs} ms`,
    );
  }, 90_000);
});
