// SIGTERM with calls in flight, on a real process with the default
// SHUTDOWN_DELAY_MS and SHUTDOWN_TIMEOUT_MS: not ready at once (/healthz still
// 200), still serving during the delay, every call finished or failed
// cleanly (refused connection, never a 5xx or a cut answer), exit 0 in time.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GetIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { createGrpcClient } from "../support/grpc-client.js";
import { startServiceProcesses, type ServiceProcesses } from "../support/processes.js";
import { testRateLimits } from "../support/test-server.js";

let processes: ServiceProcesses;
beforeAll(async () => {
  processes = await startServiceProcesses(1, { ...testRateLimits });
}, 90_000);
afterAll(async () => processes?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  readonly at: number;
  readonly kind: "rest" | "grpc";
  /** HTTP status, or the gRPC code as 1000 + code, or 0 for a connection that could not be made. */
  readonly status: number;
  readonly detail?: string;
  /** REST creates: the new identity's email. */
  readonly email?: string;
}

it("drains on SIGTERM: not ready at once, serves through the delay, finishes calls in flight, exits 0 within 20 s", async () => {
  const instance = processes.instances[0]!;
  const outcomes: Outcome[] = [];
  let exited = false;
  const grpcClient = createGrpcClient(IdentityService, instance.port);
  const restWorker = async () => {
    for (let i = 0; !exited; i++) {
      const at = Date.now();
      const email = `drain.${randomBytes(5).toString("hex")}@example.com`;
      try {
        const res = await fetch(`${instance.baseUrl}/v1/identities`, {
          method: "POST",
          headers: { ...processes.auth, "content-type": "application/json" },
          body: JSON.stringify({ identity: { email }, initial_password: `Drain-${randomBytes(6).toString("hex")}!` }),
        });
        await res.text();
        outcomes.push({ at, kind: "rest", status: res.status, email });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? String(err);
        outcomes.push({ at, kind: "rest", status: 0, detail: cause, email });
        await sleep(50);
      }
    }
  };
  const grpcWorker = async () => {
    while (!exited) {
      const at = Date.now();
      const result = await grpcClient.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: "usr_00000000-0000-4000-8000-000000000000" }, processes.auth);
      outcomes.push({ at, kind: "grpc", status: result.error ? 1000 + result.error.code : 200, ...(result.error ? { detail: result.error.details } : {}) });
      if (result.error?.code === 14) await sleep(50);
    }
  };
  const workers = [restWorker(), restWorker(), grpcWorker()];
  await sleep(1_000);

  const signalledAt = Date.now();
  instance.signal("SIGTERM");
  void instance.exited.then(() => (exited = true));

  // Not ready at once; live until exit; gRPC health says NOT_SERVING.
  let ready = 200;
  for (let i = 0; i < 40 && ready !== 503; i++) {
    // A probe that meets a closing keep-alive connection just asks again, as kubelet would.
    ready = await fetch(`${instance.baseUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (ready !== 503) await sleep(25);
  }
  expect(ready).toBe(503);
  expect((await fetch(`${instance.baseUrl}/healthz`)).status).toBe(200);
  const health = await fetch(`${instance.baseUrl}/grpc.health.v1.Health/Check`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(await health.json()).toEqual({ status: "NOT_SERVING" });

  const code = await instance.exited;
  const exitedAfterMs = Date.now() - signalledAt;
  await Promise.all(workers);
  grpcClient.close();

  expect(code).toBe(0);
  expect(exitedAfterMs).toBeLessThan(20_000);
  // Served during the delay (default 5 s): successes well after the signal.
  expect(outcomes.some((o) => o.at > signalledAt + 2_000 && (o.status === 201 || o.status === 1005))).toBe(true);
  // Each call either succeeded or failed before the service acted on it:
  // refused, reset in the listener's backlog as the port closed (a load
  // balancer has stopped sending new connections by then; this test has
  // not), or a keep-alive connection closing as it was reused. A REST create
  // that failed must have created nothing (safe to retry), and every 201 must
  // be stored.
  const stored = new Set(
    (await processes.db.collection("identities").find({ email: { $in: outcomes.filter((o) => o.email).map((o) => o.email!) } }).project({ email: 1 }).toArray()).map(
      (d) => d["email"] as string,
    ),
  );
  for (const o of outcomes.filter((x) => x.kind === "rest")) expect(stored.has(o.email!)).toBe(o.status === 201);
  const clean = (o: Outcome) =>
    o.status === 201 ||
    o.status === 1005 ||
    (o.kind === "rest" && o.status === 0 && ["ECONNREFUSED", "ECONNRESET", "UND_ERR_SOCKET"].includes(o.detail ?? "")) ||
    (o.kind === "grpc" && o.status === 1014);
  const unclean = outcomes.filter((o) => !clean(o));
  if (unclean.length > 0) console.log("UNCLEAN", JSON.stringify(unclean.slice(0, 8).map((o) => ({ ...o, at: o.at - signalledAt }))), unclean.length);
  expect(unclean).toEqual([]);
  console.log(
    `drain: ${outcomes.length} calls, ${outcomes.filter((o) => o.at > signalledAt && (o.status === 201 || o.status === 1005)).length} served after SIGTERM, exit ${exitedAfterMs} ms after it`,
  );
}, 60_000);
