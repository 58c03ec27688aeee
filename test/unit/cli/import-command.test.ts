// `avnology-identity import` end to end without a server: the real command
// line, files in a temporary folder, and a fake BatchCreateIdentities.
// Rejects and summary, exit codes, the resume after a stop (done batches
// skipped, the interrupted batch re-sent under its old key, the rejects file
// cut back so no line is reported twice), a changed file refused, nothing
// left to do, --dry-run, and option errors.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { existsSync, appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  BatchCreateIdentitiesResponseSchema,
  type BatchCreateIdentitiesRequestSchema,
  type BatchCreateIdentitiesResponse,
} from "../../../sdk/src/gen/avnology/identity/v1/identity_service_pb.js";
import type { AvnologyClient, AvnologyClientOptions } from "../../../sdk/src/index.js";
import { ErrorInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { runCli } from "../../../src/cli/program.js";

type Request = MessageInitShape<typeof BatchCreateIdentitiesRequestSchema>;
interface Call {
  readonly requestId: string;
  readonly validateOnly: boolean;
  readonly emails: string[];
}

const dir = mkdtempSync(join(tmpdir(), "import-command-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function input(lines: readonly string[]): string {
  const path = join(dir, `users-${++n}.jsonl`);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
const user = (email: string, extra: Record<string, unknown> = {}) => JSON.stringify({ identity: { email }, ...extra });

/** A service that creates every email once per tenant and answers 014 for a taken one (case-insensitive). */
function fakeService(fail?: (call: Call) => unknown) {
  const taken = new Set<string>();
  const replays = new Map<string, BatchCreateIdentitiesResponse>();
  const calls: Call[] = [];
  const batchCreateIdentities = async (request: Request): Promise<BatchCreateIdentitiesResponse> => {
    const emails = (request.requests ?? []).map((r) => (r as { identity?: { email?: string } }).identity?.email ?? "");
    const call = { requestId: request.requestId ?? "", validateOnly: request.validateOnly ?? false, emails };
    calls.push(call);
    const failure = fail?.(call);
    if (failure) throw failure;
    const replay = replays.get(call.requestId);
    if (replay) return replay;
    const response = create(BatchCreateIdentitiesResponseSchema, {
      results: emails.map((email, index) => {
        const key = email.toLowerCase();
        if (taken.has(key)) {
          return { index, result: { case: "error" as const, value: { code: "AVNOLOGY_AUTH_014", message: "A user with this email already exists", status: 409, details: { field: "email", value: email } } } };
        }
        if (!call.validateOnly) taken.add(key);
        return { index, result: { case: "identity" as const, value: { email } } };
      }),
    });
    if (call.requestId !== "") replays.set(call.requestId, response);
    return response;
  };
  return { calls, taken, client: { raw: { identities: { batchCreateIdentities } } } as unknown as AvnologyClient };
}

async function cli(argv: string[], service: ReturnType<typeof fakeService>) {
  let stdout = "";
  let stderr = "";
  const clients: AvnologyClientOptions[] = [];
  let clock = 0;
  const code = await runCli(argv, {
    env: { AVNOLOGY_URL: "http://id.example", AVNOLOGY_API_KEY: "ak_live_test" },
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    fetch: () => Promise.reject(new Error("no fetch here")),
    createClient: (options) => {
      clients.push(options);
      return service.client;
    },
    now: () => (clock += 1000),
    sleep: async () => undefined,
  });
  return { code, stdout, stderr, clients };
}

const rejectsOf = (path: string) =>
  readFileSync(path, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { line: number; code: string; status: number; details: Record<string, unknown> });

describe("avnology-identity import (fake service)", () => {
  it("imports, writes every refused line to rejects.jsonl next to the input, and summarises; exit 1 when some were refused", async () => {
    const file = input([user("a@example.com"), "{oops", user("b@example.com", { initial_password: "secret passphrase" }), "", user("A@example.com")]);
    const service = fakeService();
    const ran = await cli(["import", file, "--json"], service);
    expect(ran.code, ran.stderr).toBe(1);
    expect(ran.clients).toEqual([expect.objectContaining({ baseUrl: "http://id.example", apiKey: "ak_live_test", binaryFormat: true })]);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      outcome: "complete",
      lines: 4,
      created: 2,
      rejected: 2,
      rejected_by_code: { AVNOLOGY_AUTH_014: 1, AVNOLOGY_AUTH_902: 1 },
      skipped: 0,
      totals: { created: 2, rejected: 2 },
      rejects_file: join(dir, "rejects.jsonl"),
    });
    expect(ran.stderr).toMatch(/^importing: 4\/4 lines \(100%\), \d+ items\/s, ETA 0s, 2 rejected$/m);
    expect(rejectsOf(join(dir, "rejects.jsonl"))).toEqual([
      { line: 2, code: "AVNOLOGY_AUTH_902", status: 400, message: expect.stringMatching(/^line 2 is not valid JSON/), details: {} },
      { line: 5, code: "AVNOLOGY_AUTH_014", status: 409, message: expect.any(String), details: { field: "email", value: "A@example.com" } },
    ]);
    expect(ran.stdout + ran.stderr + readFileSync(join(dir, "rejects.jsonl"), "utf8")).not.toContain("secret passphrase");
    expect(service.calls).toHaveLength(1);
    expect(service.calls[0]!.requestId).toMatch(/^import-[0-9a-f]{48}$/);

    const again = await cli(["import", file], service);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^nothing to do: .* was imported completely \(2 created, 2 rejected; rejects in .*\)\.\nTo import it again from the start, delete .*\.import-state\.json\.\n$/);
    expect(service.calls).toHaveLength(1);
  });

  it("exits 0 when every line was created; the human summary goes to stdout, progress to stderr", async () => {
    const file = input([user("c1@example.com"), user("c2@example.com"), user("c3@example.com")]);
    const ran = await cli(["import", file, "--batch-size", "2", "--rejects", join(dir, "c-rejects.jsonl")], fakeService());
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^imported .*users-\d+\.jsonl: 3 lines, 3 created, 0 rejected, [\d.]+ s, \d+ items\/s\n$/);
    expect(ran.stderr).toMatch(/^importing: \d\/3 lines/);
    expect(readFileSync(join(dir, "c-rejects.jsonl"), "utf8")).toBe("");
  });

  it("stopped by the service, then run again: done batches are skipped, the interrupted one is re-sent under its old key, no reject is written twice", async () => {
    const lines = Array.from({ length: 10 }, (_, i) => (i === 2 || i === 7 ? `{"broken ${i}` : user(`r${i}@example.com`)));
    const file = input(lines);
    const rejects = join(dir, "r-rejects.jsonl");
    const args = ["import", file, "--batch-size", "3", "--concurrency", "1", "--rejects", rejects];
    // Batches: 0 = lines 1-3, 1 = 4-6, 2 = 7-9, 3 = 10. The service refuses the key from batch 2 on.
    const service = fakeService((call) => (call.emails.includes("r6@example.com") ? new ConnectError("bad key", Code.Unauthenticated) : undefined));
    const stopped = await cli(args, service);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/the import stopped before the end: 2 of 4 batches are done; run the same command again to resume \(state: .*\.import-state\.json\)/);
    expect(stopped.stdout).toMatch(/^stopped importing .*: 9 lines, 5 created, 1 rejected/);
    const keyOfBatch2 = service.calls.at(-1)!.requestId;
    // A crash between writing a batch's rejects and marking it done leaves lines the state does not cover.
    appendFileSync(rejects, '{"line": 8, "code": "AVNOLOGY_AUTH_902"}\n');

    const healthy = fakeService();
    for (const email of ["r0@example.com", "r1@example.com", "r3@example.com", "r4@example.com", "r5@example.com"]) healthy.taken.add(email);
    const resumed = await cli([...args, "--json"], healthy);
    expect(resumed.code).toBe(1); // the broken lines
    expect(JSON.parse(resumed.stdout)).toMatchObject({ lines: 10, skipped: 6, created: 3, rejected: 1, totals: { created: 8, rejected: 2 } });
    expect(healthy.calls.map((c) => c.emails)).toEqual([["r6@example.com", "r8@example.com"], ["r9@example.com"]]);
    expect(healthy.calls[0]!.requestId).toBe(keyOfBatch2);
    expect(rejectsOf(rejects).map((r) => r.line)).toEqual([3, 8]);
    expect(JSON.parse(readFileSync(`${file}.import-state.json`, "utf8"))).toMatchObject({ doneBelow: 4, doneAbove: [], completedAt: expect.any(String) });
  });

  it("a batch too large for the service (904) stops at once and says to start over with a smaller --batch-size", async () => {
    const tooLarge = new ConnectError("Request body is too large", Code.ResourceExhausted, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "AVNOLOGY_AUTH_904", domain: "avnology" } },
    ]);
    const service = fakeService(() => tooLarge);
    const ran = await cli(["import", input([user("big@example.com")]), "--rejects", join(dir, "big-rejects.jsonl")], service);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^error: AVNOLOGY_AUTH_904 Request body is too large \(413\)\na batch is larger than the service takes .* smaller --batch-size/m);
    expect(service.calls).toHaveLength(1);
  });

  it("refuses to resume a changed file or other options (exit 2), saying how to start over", async () => {
    const file = input([user("s1@example.com"), user("s2@example.com")]);
    const args = ["import", file, "--rejects", join(dir, "s-rejects.jsonl")];
    expect((await cli(args, fakeService(() => new ConnectError("bad key", Code.Unauthenticated)))).code).toBe(1);

    const otherSize = await cli([...args, "--batch-size", "1"], fakeService());
    expect(otherSize.code).toBe(2);
    expect(otherSize.stderr).toMatch(/started with --batch-size 1000; resume it with the same options/);

    appendFileSync(file, user("s3@example.com") + "\n");
    const changed = await cli(args, fakeService());
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/the input changed since its import started .* delete .*\.import-state\.json/);
  });

  it("--dry-run: validate_only without keys, rejects and summary, no state; not onto an unfinished import's rejects", async () => {
    const file = input([user("d1@example.com"), user("taken@example.com")]);
    const service = fakeService();
    service.taken.add("taken@example.com");
    const ran = await cli(["import", file, "--dry-run", "--rejects", join(dir, "d-rejects.jsonl")], service);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^validated .*: 2 lines, 1 would be created, 1 rejected/);
    expect(service.calls).toEqual([{ requestId: "", validateOnly: true, emails: ["d1@example.com", "taken@example.com"] }]);
    expect(rejectsOf(join(dir, "d-rejects.jsonl")).map((r) => r.code)).toEqual(["AVNOLOGY_AUTH_014"]);
    expect(existsSync(`${file}.import-state.json`)).toBe(false);
    expect(service.taken.has("d1@example.com")).toBe(false);

    const unfinished = input([user("u1@example.com")]);
    await cli(["import", unfinished, "--rejects", join(dir, "u-rejects.jsonl")], fakeService(() => new ConnectError("bad key", Code.Unauthenticated)));
    const clash = await cli(["import", unfinished, "--dry-run", "--rejects", join(dir, "u-rejects.jsonl")], fakeService());
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/an unfinished import .* give the dry run another file with --rejects/);
  });

  it.each([
    [["--batch-size", "0"], /--batch-size.*expected a whole number from 1 to 1000/],
    [["--batch-size", "1001"], /expected a whole number from 1 to 1000/],
    [["--concurrency", "0"], /--concurrency.*expected a whole number from 1 to 16/],
    [["--format", "xml"], /--format.*Allowed choices are jsonl, csv/],
  ])("%j is a usage error (exit 2), nothing sent", async (flags, says) => {
    const service = fakeService();
    const ran = await cli(["import", input([user("x@example.com")]), ...flags], service);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(says);
    expect(service.calls).toEqual([]);
  });

  it("a missing file is a usage error", async () => {
    const ran = await cli(["import", join(dir, "nope.jsonl")], fakeService());
    expect([ran.code, ran.stderr]).toEqual([2, `error: no such file: ${join(dir, "nope.jsonl")}\n`]);
  });
});
