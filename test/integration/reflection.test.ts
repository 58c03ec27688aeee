// Server reflection: buf curl explores and calls the API with no schema on
// hand, and a @grpc/grpc-js client speaking grpc.reflection.v1 lists services.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "../../gen/avnology/identity/v1/organization_service_pb.js";
import {
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const execFileAsync = promisify(execFile);
const buf = new URL("../../node_modules/.bin/buf", import.meta.url).pathname;
const ourServices = [IdentityService, ApiKeyService, OrganizationService];
const servedNames = [
  ...ourServices.map((s) => s.typeName),
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
].sort();

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** Runs buf curl with no --schema (reflection only); resolves with its exit code and output. */
async function bufCurl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return execFileAsync(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { cwd: "/tmp" }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe("buf curl without a schema", () => {
  it("--list-services lists every served service", async () => {
    const { code, stdout, stderr } = await bufCurl(["--list-services", server.baseUrl]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n").sort()).toEqual(servedNames);
  });

  it("--list-services works over the older grpc.reflection.v1alpha too", async () => {
    const { code, stdout } = await bufCurl(["--reflect-protocol", "grpc-v1alpha", "--list-services", server.baseUrl]);
    expect(code).toBe(0);
    expect(stdout.trim().split("\n").sort()).toEqual(servedNames);
  });

  it("--list-methods lists every method of every service", async () => {
    const { code, stdout } = await bufCurl(["--list-methods", server.baseUrl]);
    expect(code).toBe(0);
    const expected = ourServices.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`));
    const listed = stdout.trim().split("\n");
    for (const name of expected) expect(listed).toContain(name);
  });

  // Every RPC with an empty request: the service must be reached and answer
  // in its own terms (success or one of its errors, exit code 8 x gRPC code),
  // which needs reflection to resolve the request and response types.
  const rpcs = ourServices.flatMap((s) => s.methods.map((m) => ({ rpc: `${s.typeName}/${m.name}`, method: m })));
  it.each(rpcs)("calls $rpc", async ({ rpc }) => {
    const auth = Object.entries(server.auth).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
    const { code, stderr } = await bufCurl([...auth, "-d", "{}", `${server.baseUrl}/${rpc}`]);
    if (code !== 0) {
      expect(code % 8).toBe(0);
      const error = JSON.parse(stderr) as { code: string; details?: { type: string; value: string; debug?: unknown }[] };
      expect(error.code).not.toBe("unimplemented");
      // The ErrorInfo detail's type comes from reflection too.
      expect(error.details?.map((d) => d.type)).toContain("google.rpc.ErrorInfo");
    }
  });

  it("calls grpc.health.v1.Health/Check without credentials", async () => {
    const { code, stdout } = await bufCurl(["-d", "{}", `${server.baseUrl}/grpc.health.v1.Health/Check`]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: "SERVING" });
  });
});

describe("a @grpc/grpc-js reflection client", () => {
  const definition = {
    serverReflectionInfo: {
      path: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      requestStream: true,
      responseStream: true,
      requestSerialize: (m: ServerReflectionRequest) => Buffer.from(toBinary(ServerReflectionRequestSchema, m)),
      requestDeserialize: (b: Buffer) => fromBinary(ServerReflectionRequestSchema, b),
      responseSerialize: (m: ServerReflectionResponse) => Buffer.from(toBinary(ServerReflectionResponseSchema, m)),
      responseDeserialize: (b: Buffer) => fromBinary(ServerReflectionResponseSchema, b),
    },
  } satisfies grpc.ServiceDefinition;

  async function exchange(requests: ServerReflectionRequest["messageRequest"][]): Promise<ServerReflectionResponse[]> {
    const Ctor = grpc.makeGenericClientConstructor(definition, "ServerReflection");
    const client = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const stream = (client as unknown as Record<string, Function>)["serverReflectionInfo"]!.call(client) as grpc.ClientDuplexStream<
        ServerReflectionRequest,
        ServerReflectionResponse
      >;
      const responses: ServerReflectionResponse[] = [];
      const done = new Promise<void>((resolve, reject) => {
        stream.on("data", (r: ServerReflectionResponse) => responses.push(r));
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      for (const messageRequest of requests) stream.write(create(ServerReflectionRequestSchema, { messageRequest }));
      stream.end();
      await done;
      return responses;
    } finally {
      client.close();
    }
  }

  it("lists the services, then gets a service's file with its dependencies first", async () => {
    const [list, file, missing] = await exchange([
      { case: "listServices", value: "" },
      { case: "fileContainingSymbol", value: "avnology.identity.v1.IdentityService" },
      { case: "fileContainingSymbol", value: "no.such.Thing" },
    ]);
    expect(list?.messageResponse.case).toBe("listServicesResponse");
    const names = list?.messageResponse.case === "listServicesResponse" ? list.messageResponse.value.service.map((s) => s.name) : [];
    expect(names.sort()).toEqual(servedNames);

    expect(file?.messageResponse.case).toBe("fileDescriptorResponse");
    const protos = file?.messageResponse.case === "fileDescriptorResponse" ? file.messageResponse.value.fileDescriptorProto : [];
    const decoded = protos.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    expect(decoded.at(-1)?.name).toBe("avnology/identity/v1/identity_service.proto");
    // Dependencies first: every file's imports appear before it.
    const seen = new Set<string>();
    for (const proto of decoded) {
      for (const dep of proto.dependency) expect(seen).toContain(dep);
      seen.add(proto.name);
    }

    expect(missing?.messageResponse.case).toBe("errorResponse");
  });
});
