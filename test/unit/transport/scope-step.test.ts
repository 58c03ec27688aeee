// The scope each RPC requires is declared in the proto
// (`option (avnology.identity.v1.required_scope)`) and enforced by the method
// pipeline on every call, before rate limits and idempotency; an RPC without
// the option cannot be registered. In memory (createRouterTransport), with
// callers chosen per request.
import { readFileSync } from "node:fs";
import { create, createFileRegistry, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_empty } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { pino } from "pino";
import { identityReplayRules } from "../../../src/transport/connect/replay-rules.js";
import { createMemoryIdempotencyStore } from "../../../src/store/memory/idempotency-store.js";
import { describe, expect, it } from "vitest";
import { ApiKeyService } from "../../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentitySchema } from "../../../gen/avnology/identity/v1/identity_pb.js";
import { IdentityService } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "../../../gen/avnology/identity/v1/organization_service_pb.js";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { scopes, type Caller } from "../../../src/auth/caller.js";
import { bootstrapCaller } from "../../../src/auth/caller-resolver.js";
import { catalogue, type AppError } from "../../../src/domain/errors.js";
import { createRateLimiter } from "../../../src/reliability/rate-limit/limiter.js";
import type { IdempotencyStore } from "../../../src/store/idempotency-store.js";
import { registerService } from "../../../src/transport/method-pipeline.js";
import { requiredScopeOf, scopeStep } from "../../../src/transport/pipeline/scope-step.js";

const ourServices: DescService[] = [IdentityService, ApiKeyService, OrganizationService];

describe("scopes declared in the contract", () => {
  // The same table as the README's RPC list: a change of a required scope is
  // a change of the API and must show up here.
  const expected: Record<string, string> = {
    "IdentityService.CreateIdentity": "admin:users:write",
    "IdentityService.BatchCreateIdentities": "admin:users:write",
    "IdentityService.GetIdentity": "admin:users:read",
    "IdentityService.ListIdentities": "admin:users:read",
    "IdentityService.UpdateIdentity": "admin:users:write",
    "IdentityService.DeleteIdentity": "admin:users:write",
    "IdentityService.SetPassword": "admin:users:write",
    "IdentityService.VerifyPassword": "admin:users:read",
    "ApiKeyService.CreateApiKey": "admin:keys:write",
    "ApiKeyService.ListApiKeys": "admin:keys:write",
    "ApiKeyService.RevokeApiKey": "admin:keys:write",
    "OrganizationService.CreateOrganization": "admin:orgs:write",
    "OrganizationService.GetOrganization": "admin:orgs:read",
    "OrganizationService.ListOrganizations": "admin:orgs:read",
  };

  it("every RPC of our services requires a declared, grantable scope", () => {
    const declared = Object.fromEntries(
      ourServices.flatMap((s) => s.methods.map((m) => [`${s.name}.${m.name}`, requiredScopeOf(m)] as const)),
    );
    expect(declared).toEqual(expected);
    for (const scope of Object.values(declared)) expect(scopes).toContain(scope);
  });

  it("lists the grantable scopes from the proto, including one that gates a field rather than an RPC", () => {
    expect(scopes).toEqual([
      "admin:users:write",
      "admin:users:read",
      "admin:keys:write",
      "admin:orgs:write",
      "admin:orgs:read",
      "admin:users:import",
    ]);
  });

  it("refuses at start-up to register an RPC without a required_scope option (deny by default)", () => {
    const file = create(FileDescriptorProtoSchema, {
      name: "avnology/identity/v1/unscoped_test.proto",
      package: "avnology.identity.v1",
      syntax: "proto3",
      dependency: ["google/protobuf/empty.proto"],
      service: [{ name: "UnscopedService", method: [{ name: "Ping", inputType: ".google.protobuf.Empty", outputType: ".google.protobuf.Empty" }] }],
    });
    const registry = createFileRegistry(file, (name) => (name === "google/protobuf/empty.proto" ? file_google_protobuf_empty : undefined));
    const unscoped = registry.getService("avnology.identity.v1.UnscopedService")!;
    const impl = { ping: async () => ({}) };
    expect(() => registerService(unscoped, impl as never, { callers: resolver, logger })).toThrow(
      /avnology\.identity\.v1\.UnscopedService\.Ping declares no scope/,
    );
  });

  it("agrees with the README's RPC table, whose scope column repeats the option", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const byRpc = new Map(ourServices.flatMap((s) => s.methods.map((m) => [m.name, requiredScopeOf(m)] as const)));
    const rows = [...readme.matchAll(/^\| ([A-Z]\w+) \| .* \| (admin:[a-z:]+) \|$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(rows.length).toBeGreaterThan(0);
    for (const [rpc, scope] of rows) expect(scope, rpc).toBe(byRpc.get(rpc));
  });

  it("exempts the standard health and reflection services", () => {
    const health = { typeName: "grpc.health.v1.Health" } as DescService;
    expect(scopeStep({ parent: health, name: "Check" } as never)).toBeUndefined();
  });
});

// ---- the step in the pipeline ----

const all = new Set(scopes);
const callers: Record<string, Caller> = {
  admin: { kind: "api_key", subject: "key_admin", tenantId: "ten_a", scopes: all },
  reader: { kind: "api_key", subject: "key_reader", tenantId: "ten_a", scopes: new Set(["admin:users:read"]) },
  // One token subject, first with every scope, then with a token that lacks the write scope.
  tokenWide: { kind: "oauth", subject: "oauth:sub_1", tenantId: "ten_a", scopes: all },
  tokenNarrow: { kind: "oauth", subject: "oauth:sub_1", tenantId: "ten_a", scopes: new Set(["admin:users:read"]) },
  bootstrap: bootstrapCaller,
};
const resolver = {
  async resolve({ headers }: { headers: Headers }) {
    return callers[headers.get("x-test-caller") ?? ""]!;
  },
};
const logger = pino({ level: "silent" });
const as = (caller: string) => ({ headers: { "x-test-caller": caller } });

function memoryIdempotencyStore(): IdempotencyStore {
  return createMemoryIdempotencyStore({ retentionMs: 60_000, inProgressLeaseMs: 5_000 });
}

function setup() {
  let runs = 0;
  const impl = Object.fromEntries(
    IdentityService.methods.map((m) => [
      m.localName,
      async () => {
        runs++;
        return m.output.typeName === IdentitySchema.typeName ? create(IdentitySchema, { id: `usr_${runs}` }) : create(m.output);
      },
    ]),
  ) as unknown as ServiceImpl<typeof IdentityService>;
  const registration = registerService(IdentityService, impl, {
    callers: resolver,
    logger,
    rateLimits: {
      limiter: createRateLimiter(),
      config: {
        credential: { ratePerSecond: 0.001, burst: 2 },
        tenant: { ratePerSecond: 0.001, burst: 100 },
        password: { ratePerSecond: 0.001, burst: 100 },
        syncIntervalMs: 500,
        exemptServices: [],
      },
    },
    idempotency: { store: memoryIdempotencyStore(), now: () => new Date(), logger, fingerprintKey: "test-key", leaseMs: 5_000 },
  }, { replayRules: identityReplayRules });
  const transport = createRouterTransport((router) => router.service(IdentityService, registration.impl as never));
  return { client: createClient(IdentityService, transport), runs: () => runs };
}

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  return p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => ConnectError.from(e),
  );
}

describe("the scope step, on every call", () => {
  it("refuses a caller without the RPC's scope with 403 AVNOLOGY_AUTH_100 naming the scope, before the method runs", async () => {
    const { client, runs } = setup();
    expect((await client.getIdentity({ id: "usr_x" }, as("reader"))).id).toBe("usr_1");
    const err = await failure(client.deleteIdentity({ id: "usr_x" }, as("reader")));
    expect(err.code).toBe(Code.PermissionDenied);
    const [info] = err.findDetails(ErrorInfoSchema);
    expect(info).toMatchObject({ reason: "AVNOLOGY_AUTH_100", metadata: { required_scope: "admin:users:write" } });
    expect(runs()).toBe(1);
  });

  it("answers the bootstrap key 400 AVNOLOGY_AUTH_101 on identity RPCs, with the reference API's message", async () => {
    const { client, runs } = setup();
    const err = await failure(client.createIdentity({ identity: { email: "a@example.com" } }, as("bootstrap")));
    expect(err.code).toBe(catalogue.AVNOLOGY_AUTH_101.grpc);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("AVNOLOGY_AUTH_101");
    expect(err.rawMessage).toBe("Bootstrap key cannot manage users. Create an admin key first.");
    expect(runs()).toBe(0);
  });

  it("runs before the rate limit: refused calls spend no budget", async () => {
    const { client } = setup();
    for (let i = 0; i < 5; i++) {
      expect((await failure(client.setPassword({ id: "usr_x", password: "p" }, as("reader")))).code).toBe(Code.PermissionDenied);
    }
    // The reader's burst of 2 is intact.
    await client.getIdentity({ id: "usr_x" }, as("reader"));
    await client.getIdentity({ id: "usr_x" }, as("reader"));
    expect((await failure(client.getIdentity({ id: "usr_x" }, as("reader")))).code).toBe(Code.ResourceExhausted);
  });

  it("runs before idempotency: a replay is never answered to a caller that lacks the scope", async () => {
    const { client, runs } = setup();
    const request = { identity: { email: "replay@example.com" }, requestId: "one-key" };
    const first = await client.createIdentity(request, as("tokenWide"));
    expect((await client.createIdentity(request, as("tokenWide"))).id).toBe(first.id); // a replay
    expect(runs()).toBe(1);
    const err = await failure(client.createIdentity(request, as("tokenNarrow")));
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.findDetails(ErrorInfoSchema)[0]?.metadata).toEqual({ required_scope: "admin:users:write" });
  });

  it("is the same check as requireScope for a tenant-less caller (fail closed)", () => {
    const step = scopeStep(IdentityService.method.getIdentity)!;
    const orphan: Caller = { kind: "api_key", subject: "key_x", tenantId: "", scopes: all };
    expect(() => step(orphan)).toThrow(expect.objectContaining({ code: "AVNOLOGY_AUTH_100" }) as unknown as AppError);
  });
});
