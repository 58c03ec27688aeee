// The command line without a server: fake SDK clients and fetch, captured
// output. Checks argument handling, where credentials come from, what each
// command asks the client and how answers and failures are shown.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ApiKeySchema } from "../../../sdk/src/gen/avnology/identity/v1/api_key_pb.js";
import { IdentitySchema } from "../../../sdk/src/gen/avnology/identity/v1/identity_pb.js";
import { OrganizationSchema } from "../../../sdk/src/gen/avnology/identity/v1/organization_pb.js";
import { AvnologyError, type AvnologyClient, type AvnologyClientOptions } from "../../../sdk/src/index.js";
import { scopes as allScopes } from "../../../src/auth/caller.js";
import type { CliDeps } from "../../../src/cli/context.js";
import { runCli } from "../../../src/cli/program.js";

const key = create(ApiKeySchema, {
  id: "key_1",
  name: "ci",
  tenantId: "ten_1",
  scopes: ["admin:users:read"],
  createdAt: timestampFromDate(new Date("2026-01-02T03:04:05Z")),
});
const org = create(OrganizationSchema, { id: "org_eng", name: "Engineering" });
const identity = create(IdentitySchema, { id: "usr_1", email: "jane@example.com", firstName: "Jane", lastName: "Smith", state: "active" });

async function* items<T>(...list: T[]): AsyncGenerator<T, void, undefined> {
  yield* list;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every client made, with its options, and every call made on it. */
  readonly clients: AvnologyClientOptions[];
  readonly calls: [string, unknown][];
}

async function cli(argv: string[], env: Record<string, string> = {}, overrides: Partial<CliDeps> & { fail?: unknown } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const clients: AvnologyClientOptions[] = [];
  const calls: [string, unknown][] = [];
  const answer = <T>(name: string, args: unknown, value: T): T => {
    calls.push([name, args]);
    if (overrides.fail) throw overrides.fail;
    return value;
  };
  const fake = {
    keys: {
      create: async (input: unknown) => answer("keys.create", input, { apiKey: key, secret: "ak_live_secret" }),
      list: () => answer("keys.list", undefined, items(key)),
      revoke: async (id: string) => answer("keys.revoke", id, { ...key, revokedAt: timestampFromDate(new Date("2026-02-01T00:00:00Z")) }),
    },
    organizations: {
      create: async (input: unknown) => answer("orgs.create", input, org),
      list: () => answer("orgs.list", undefined, items(org)),
    },
    admin: {
      getUser: async (id: string) => answer("admin.getUser", id, identity),
      listUsers: (filter: unknown) => answer("admin.listUsers", filter, items(identity)),
    },
  } as unknown as AvnologyClient;
  const code = await runCli(argv, {
    env,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    fetch: () => Promise.reject(new Error("no fetch in this test")),
    createClient: (options) => {
      clients.push(options);
      return fake;
    },
    ...overrides,
  });
  return { code, stdout, stderr, clients, calls };
}

const adminEnv = { AVNOLOGY_URL: "http://id.example:9000/", AVNOLOGY_API_KEY: "ak_live_env" };

describe("avnology-identity: usage", () => {
  it("prints its help with exit code 0", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: avnology-identity/);
    for (const command of ["tenant", "keys", "orgs", "identities", "health"]) expect(run.stdout).toContain(command);
  });

  it.each([
    ["an unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
    ["an unknown option", ["keys", "list", "--colour"], /unknown option '--colour'/],
    ["a missing required option", ["keys", "create", "--scopes", "admin:users:read"], /required option '--name <name>' not specified/],
    ["a bad date", ["keys", "create", "--name", "x", "--scopes", "a", "--expires-at", "next week"], /--expires-at.*ISO 8601/],
    ["a bad page size", ["identities", "list", "--page-size", "0"], /--page-size.*1 to 1000/],
    ["a missing argument", ["identities", "get"], /missing required argument 'id'/],
    ["a group without a subcommand", ["keys"], /Usage: avnology-identity keys/],
  ])("%s is a usage error: exit 2, nothing called", async (_what, argv, message) => {
    const run = await cli(argv, adminEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.calls).toEqual([]);
  });

  it("without an API key says how to give one, exit 2", async () => {
    const run = await cli(["keys", "list"]);
    expect(run).toMatchObject({ code: 2, stderr: "error: no API key: set AVNOLOGY_API_KEY or pass --api-key\n", calls: [] });
  });

  it("without a bootstrap key, tenant create says how to give one (an API key is not one)", async () => {
    const run = await cli(["tenant", "create", "--name", "Acme"], adminEnv);
    expect(run).toMatchObject({ code: 2, stderr: "error: no bootstrap key: set AVNOLOGY_BOOTSTRAP_KEY or pass --bootstrap-key\n" });
  });

  it("rejects a URL that is not http(s)", async () => {
    const run = await cli(["keys", "list", "--url", "localhost:8080"], adminEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/invalid server URL/);
  });
});

describe("avnology-identity: where the service and the key come from", () => {
  it("reads AVNOLOGY_URL and AVNOLOGY_API_KEY", async () => {
    const run = await cli(["keys", "list"], adminEnv);
    expect(run.clients).toMatchObject([{ baseUrl: "http://id.example:9000", apiKey: "ak_live_env" }]);
  });

  it("prefers the flags, given after the subcommand too", async () => {
    const run = await cli(["keys", "list", "--url", "https://id.test", "--api-key", "ak_live_flag"], adminEnv);
    expect(run.clients).toMatchObject([{ baseUrl: "https://id.test", apiKey: "ak_live_flag" }]);
  });

  it("defaults to the local development server", async () => {
    const run = await cli(["orgs", "list"], { AVNOLOGY_API_KEY: "ak_live_env" });
    expect(run.clients).toMatchObject([{ baseUrl: "http://localhost:8080" }]);
  });
});

describe("avnology-identity: commands", () => {
  it("tenant create uses the bootstrap key, asks for every scope by default and shows the secret once, with a warning", async () => {
    const run = await cli(["tenant", "create", "--name", "Acme"], { AVNOLOGY_BOOTSTRAP_KEY: "boot", AVNOLOGY_API_KEY: "ak_live_env" });
    expect(run.code).toBe(0);
    expect(run.clients).toMatchObject([{ apiKey: "boot" }]);
    expect(run.calls).toEqual([["keys.create", { name: "Acme", scopes: allScopes }]]);
    expect(run.stdout).toMatch(/^tenant +ten_1$/m);
    expect(run.stdout).toMatch(/^secret +ak_live_secret$/m);
    expect(run.stderr).toMatch(/^warning: the secret is shown once/);
  });

  it("tenant create --json answers the API's shape, and --scopes narrows the first key", async () => {
    const run = await cli(["--json", "--bootstrap-key", "boot", "tenant", "create", "--name", "Acme", "--scopes", "admin:keys:write,admin:users:read"]);
    expect(run.calls).toEqual([["keys.create", { name: "Acme", scopes: ["admin:keys:write", "admin:users:read"] }]]);
    expect(JSON.parse(run.stdout)).toMatchObject({ secret: "ak_live_secret", api_key: { id: "key_1", tenant_id: "ten_1" } });
  });

  it("keys create passes every flag; --scopes adds up and drops repeats", async () => {
    const run = await cli(
      ["keys", "create", "--name", "eng", "--scopes", "admin:users:read,admin:users:write", "--scopes", "admin:users:read",
        "--organization", "org_eng", "--expires-at", "2030-01-01T00:00:00Z"],
      adminEnv,
    );
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([[
      "keys.create",
      { name: "eng", scopes: ["admin:users:read", "admin:users:write"], organizationId: "org_eng", expiresAt: new Date("2030-01-01T00:00:00Z") },
    ]]);
    expect(run.stderr).toMatch(/shown once/);
  });

  it("keys list: an aligned table, or a JSON array with the API's field names", async () => {
    const human = await cli(["keys", "list"], adminEnv);
    expect(human.stdout).toBe(
      "ID     NAME  SCOPES            ORGANIZATION  EXPIRES  LAST USED  REVOKED\n" +
      "key_1  ci    admin:users:read\n",
    );
    const json = await cli(["keys", "list", "--json"], adminEnv);
    expect(JSON.parse(json.stdout)).toEqual([
      { id: "key_1", name: "ci", tenant_id: "ten_1", scopes: ["admin:users:read"], created_at: "2026-01-02T03:04:05Z" },
    ]);
  });

  it("keys revoke revokes the id given", async () => {
    const run = await cli(["keys", "revoke", "key_1"], adminEnv);
    expect(run.calls).toEqual([["keys.revoke", "key_1"]]);
    expect(run.stdout).toBe("revoked key_1 (ci) at 2026-02-01T00:00:00.000Z\n");
  });

  it("orgs create passes --id; orgs list prints a table", async () => {
    const created = await cli(["orgs", "create", "--name", "Engineering", "--id", "org_eng"], adminEnv);
    expect(created.calls).toEqual([["orgs.create", { name: "Engineering", id: "org_eng" }]]);
    expect(created.stdout).toBe("id    org_eng\nname  Engineering\n");
    const listed = await cli(["orgs", "list"], adminEnv);
    expect(listed.stdout).toBe("ID       NAME         CREATED\norg_eng  Engineering\n");
  });

  it("identities list turns the flags into the list filter", async () => {
    const run = await cli(
      ["identities", "list", "--email", "jane@example.com", "--organization", "org_eng", "--state", "active", "--page-size", "50"],
      adminEnv,
    );
    expect(run.calls).toEqual([["admin.listUsers", { email: "jane@example.com", organizationId: "org_eng", state: "active", pageSize: 50 }]]);
    expect(run.stdout).toMatch(/^usr_1 +jane@example\.com +Jane Smith +active$/m);
    const unfiltered = await cli(["identities", "list"], adminEnv);
    expect(unfiltered.calls).toEqual([["admin.listUsers", {}]]);
  });

  it("identities get --json prints the identity as the API does", async () => {
    const run = await cli(["identities", "get", "usr_1", "--json"], adminEnv);
    expect(run.calls).toEqual([["admin.getUser", "usr_1"]]);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: "usr_1", email: "jane@example.com", first_name: "Jane" });
  });

  it("a service error prints its AVNOLOGY code, message and status on stderr, exit 1", async () => {
    const fail = new AvnologyError("AVNOLOGY_AUTH_001", 401, "Authentication required", undefined, [], Code.Unauthenticated, undefined);
    const run = await cli(["keys", "list"], adminEnv, { fail });
    expect(run).toMatchObject({ code: 1, stdout: "", stderr: "error: AVNOLOGY_AUTH_001 Authentication required (401)\n" });
  });
});

describe("avnology-identity health", () => {
  const fetchAnswering = (readyStatus: number, readyBody: unknown): typeof fetch => async (input) => {
    const url = String(input);
    if (url.endsWith("/healthz")) return Response.json({ status: "ok" });
    if (url.endsWith("/readyz")) return Response.json(readyBody, { status: readyStatus });
    return new Response("", { status: 404 });
  };

  it("ready: exit 0, no credentials needed", async () => {
    const run = await cli(["health", "--url", "http://id.test"], {}, { fetch: fetchAnswering(200, { ready: true }) });
    expect(run).toMatchObject({ code: 0, stdout: "ready (http://id.test)\n" });
  });

  it("not ready: says why, exit 1; --json carries both probes", async () => {
    const deps = { fetch: fetchAnswering(503, { ready: false, reason: "database_unavailable" }) };
    const human = await cli(["health", "--url", "http://id.test"], {}, deps);
    expect(human).toMatchObject({ code: 1, stdout: "not ready (http://id.test): database_unavailable, HTTP 503; live\n" });
    const json = await cli(["health", "--json", "--url", "http://id.test"], {}, deps);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ live: true, ready: false, readyz: { status: 503, body: { reason: "database_unavailable" } } });
  });

  it("unreachable: not ready, exit 1", async () => {
    const run = await cli(["health", "--url", "http://id.test"], {}, { fetch: () => Promise.reject(new TypeError("fetch failed")) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^not ready \(http:\/\/id\.test\): unreachable: fetch failed/);
  });
});
