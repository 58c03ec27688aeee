// Issue 9 item 6: the service is killed (SIGKILL) while ~50 idempotent
// creates run, restarted on the same database, and every key is retried.
// Each key must answer 201 with its one identity (the id an answer before
// the kill gave, if any), never 409 AVNOLOGY_AUTH_014 for the caller's own
// identity, and the retries must get through within seconds of the restart
// (the dead run's lease is short, IDEMPOTENCY_LEASE_MS, instead of a minute):
// the record holds the new id before the insert, so a retry finishes the dead
// run instead of creating a second identity or failing on the first one.
import { afterAll, describe, expect, it } from "vitest";
import { MongoClient } from "mongodb";
import { setUpAdminTenant } from "../support/admin-tenant.js";
import { freshProcessEnv, startKillableProcess, type KillableServiceProcess } from "../support/processes.js";
import { rest, specExampleBody, type RestResponse } from "../support/rest.js";

const keys = 50;
/** The bound: every retry answered within this long after the restarted service listens. */
const retryWindowMs = 10_000;

const running: KillableServiceProcess[] = [];
let mongo: MongoClient | undefined;
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await mongo?.db().dropDatabase().catch(() => undefined);
  await mongo?.close();
});

const emailOf = (i: number) => `crash.${i}@example.com`;
const keyOf = (i: number) => `crash-key-${i}`;

describe("a crash during idempotent creates", () => {
  it("every retried key answers 201 with its one identity, none 014, within seconds of the restart", async () => {
    const env = freshProcessEnv();
    const first = await startKillableProcess(env);
    running.push(first);
    const { auth } = await setUpAdminTenant(first.baseUrl, env.BOOTSTRAP_KEY);
    const create = (baseUrl: string, i: number) =>
      rest(baseUrl, "POST", "/v1/identities", specExampleBody(emailOf(i)), { ...auth, "Idempotency-Key": keyOf(i) });

    // Fire them all; each hashes a password (Argon2id, about two at a time),
    // so they finish over a while. Kill the process once some have answered.
    const beforeKill: (RestResponse | "no answer")[] = new Array(keys);
    let answered = 0;
    let killed!: () => void;
    const killedNow = new Promise<void>((resolve) => (killed = resolve));
    const inFlight = Array.from({ length: keys }, (_, i) =>
      create(first.baseUrl, i).then(
        (res) => {
          beforeKill[i] = res;
          if (++answered === 10) killed();
        },
        () => void (beforeKill[i] = "no answer"),
      ),
    );
    await killedNow;
    await first.kill();
    await Promise.all(inFlight);
    const answeredBeforeKill = beforeKill.filter((r) => r !== "no answer");
    expect(answeredBeforeKill.length).toBeGreaterThanOrEqual(10);
    expect(answeredBeforeKill.length).toBeLessThan(keys); // the kill landed mid-way
    for (const res of answeredBeforeKill) expect((res as RestResponse).status).toBe(201);

    mongo = await MongoClient.connect(env.MONGODB_URI);
    const identities = mongo.db().collection("identities");
    // Measured here (load average 24 on 2 cores): 10 answered before the kill,
    // 47 identities stored, 27-32 records in progress with a planned id, i.e.
    // most retries had to finish a run that had inserted but not recorded.
    const second = await startKillableProcess(env);
    running.push(second);
    const restartedAt = Date.now();

    // Retry every key as a client would: on 409 031 (still held by the dead
    // run until its lease expires) wait Retry-After and try again.
    const retry = async (i: number) => {
      for (;;) {
        const res = await create(second.baseUrl, i);
        if (!(res.status === 409 && res.json?.error?.code === "AVNOLOGY_AUTH_031")) return { res, at: Date.now() };
        await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get("retry-after") ?? "1") * 1000));
        if (Date.now() - restartedAt > 4 * retryWindowMs) return { res, at: Date.now() };
      }
    };
    const retries = await Promise.all(Array.from({ length: keys }, (_, i) => retry(i)));

    const codes = retries.map(({ res }) => (res.status === 201 ? 201 : `${res.status} ${res.json?.error?.code}`));
    expect(codes).toEqual(new Array(keys).fill(201));
    retries.forEach(({ res }, i) => {
      const before = beforeKill[i];
      if (before !== "no answer" && before !== undefined) expect(res.json.id).toBe(before.json.id);
      expect(res.json.email).toBe(emailOf(i));
      expect(res.headers.get("etag")).toBe('"v1"');
    });
    const after = retries.map(({ at }) => at - restartedAt);
    expect(Math.max(...after), `ms after the restart each key answered: ${after.join(" ")}`).toBeLessThanOrEqual(retryWindowMs);

    // Exactly one identity per key, the one its retry answered.
    const stored = await identities
      .find({ email: { $regex: "^crash\\." } }, { projection: { _id: 1, email: 1 } })
      .toArray();
    expect(stored).toHaveLength(keys);
    const idByEmail = new Map(stored.map((doc) => [doc["email"] as string, String(doc._id)]));
    retries.forEach(({ res }, i) => expect(idByEmail.get(emailOf(i))).toBe(res.json.id));
  }, 180_000);
});
