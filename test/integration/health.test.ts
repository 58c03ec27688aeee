// Liveness, readiness and grpc.health.v1 with a real grpc-js client: no
// credentials needed, every service name answers, Watch streams.
import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListRequestSchema,
  HealthListResponseSchema,
  type HealthCheckResponse,
  type HealthListResponse,
} from "../../gen/grpc/health/v1/health_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let client: grpc.Client;

const serialize = <T>(schema: Parameters<typeof toBinary>[0]) => (m: T) => Buffer.from(toBinary(schema, m as never));
const definition = {
  check: {
    path: "/grpc.health.v1.Health/Check",
    requestStream: false,
    responseStream: false,
    requestSerialize: serialize(HealthCheckRequestSchema),
    requestDeserialize: (b: Buffer) => fromBinary(HealthCheckRequestSchema, b),
    responseSerialize: serialize(HealthCheckResponseSchema),
    responseDeserialize: (b: Buffer) => fromBinary(HealthCheckResponseSchema, b),
  },
  watch: {
    path: "/grpc.health.v1.Health/Watch",
    requestStream: false,
    responseStream: true,
    requestSerialize: serialize(HealthCheckRequestSchema),
    requestDeserialize: (b: Buffer) => fromBinary(HealthCheckRequestSchema, b),
    responseSerialize: serialize(HealthCheckResponseSchema),
    responseDeserialize: (b: Buffer) => fromBinary(HealthCheckResponseSchema, b),
  },
  list: {
    path: "/grpc.health.v1.Health/List",
    requestStream: false,
    responseStream: false,
    requestSerialize: serialize(HealthListRequestSchema),
    requestDeserialize: (b: Buffer) => fromBinary(HealthListRequestSchema, b),
    responseSerialize: serialize(HealthListResponseSchema),
    responseDeserialize: (b: Buffer) => fromBinary(HealthListResponseSchema, b),
  },
} satisfies grpc.ServiceDefinition;

beforeAll(async () => {
  server = await startTestServer();
  const Ctor = grpc.makeGenericClientConstructor(definition, "Health");
  client = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  await server?.close();
});

function check(service: string): Promise<{ response?: HealthCheckResponse; error?: grpc.ServiceError }> {
  return new Promise((resolve) =>
    (client as unknown as Record<string, Function>)["check"]!.call(
      client,
      create(HealthCheckRequestSchema, { service }),
      (error: grpc.ServiceError | null, response: HealthCheckResponse) => resolve(error ? { error } : { response }),
    ),
  );
}

const ourServices = [
  "",
  "avnology.identity.v1.IdentityService",
  "avnology.identity.v1.ApiKeyService",
  "avnology.identity.v1.OrganizationService",
];

it.each(ourServices)("Check(%j) answers SERVING without credentials", async (service) => {
  const { response, error } = await check(service);
  expect(error).toBeUndefined();
  expect(response?.status).toBe(ServingStatus.SERVING);
});

it("Check of an unknown service answers NOT_FOUND", async () => {
  const { error } = await check("no.such.Service");
  expect(error?.code).toBe(grpc.status.NOT_FOUND);
});

it("List names the overall service and each of ours as SERVING", async () => {
  const response = await new Promise<HealthListResponse>((resolve, reject) =>
    (client as unknown as Record<string, Function>)["list"]!.call(
      client,
      create(HealthListRequestSchema, {}),
      (error: grpc.ServiceError | null, r: HealthListResponse) => (error ? reject(error) : resolve(r)),
    ),
  );
  expect(Object.keys(response.statuses).sort()).toEqual([...ourServices].sort());
  for (const status of Object.values(response.statuses)) expect(status.status).toBe(ServingStatus.SERVING);
});

it("Watch streams the current status first and stays open", async () => {
  const stream = (client as unknown as Record<string, Function>)["watch"]!.call(
    client,
    create(HealthCheckRequestSchema, { service: "avnology.identity.v1.IdentityService" }),
  ) as grpc.ClientReadableStream<HealthCheckResponse>;
  const first = await new Promise<HealthCheckResponse>((resolve) => stream.once("data", resolve));
  expect(first.status).toBe(ServingStatus.SERVING);
  const ended = new Promise<grpc.StatusObject>((resolve) => stream.once("status", resolve));
  stream.on("error", () => undefined); // the cancel below surfaces as an error
  stream.cancel();
  expect((await ended).code).toBe(grpc.status.CANCELLED);
});

it("/healthz and /readyz answer 200 with JSON while the database answers", async () => {
  const live = await fetch(`${server.baseUrl}/healthz`);
  expect(live.status).toBe(200);
  const ready = await fetch(`${server.baseUrl}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ready", ready: true, database: "up", started: true, draining: false });
});
