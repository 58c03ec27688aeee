// The request functions the load generator fires, by key: calls to the
// service over gRPC (grpc-js), Connect binary and REST (both over fetch, so
// the client side of that comparison is the same HTTP stack), and the
// ceilings, the same work done directly: the raw driver on the same
// database, argon2 with the service's parameters.
import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import { MongoClient } from "mongodb";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  CreateIdentityRequestSchema,
  GetIdentityRequestSchema,
  IdentityService,
  ListIdentitiesRequestSchema,
  VerifyPasswordRequestSchema,
} from "../gen/avnology/identity/v1/identity_service_pb.js";
import { IdentitySchema } from "../gen/avnology/identity/v1/identity_pb.js";
import { ListIdentitiesResponseSchema, VerifyPasswordResponseSchema } from "../gen/avnology/identity/v1/identity_service_pb.js";
import { listQuery } from "../src/store/identity-queries.js";
import { toDocument } from "../src/store/identity-store.js";
import { createGrpcClient } from "../test/support/grpc-client.js";
import { seedIdentity } from "./database.js";
import { importShots } from "./import-scenarios.js";
import type { Shot } from "./load-loop.js";

export interface WorkerSetup {
  readonly port: number;
  readonly auth: Readonly<Record<string, string>>;
  readonly tenantId: string;
  readonly createdBy: string;
  readonly mongodbUri: string;
  readonly ids: readonly string[];
  readonly emails: readonly string[];
  /** The password of every seeded identity, and its hash. */
  readonly password: string;
  readonly passwordHash: string;
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  /** Identities per BatchCreateIdentities call / raw insertMany of the import row. */
  readonly importBatch: number;
  readonly list: {
    readonly pageSize: number;
    /** The position after page `depth - 1`, and the service's token for it. */
    readonly deepCursor: { readonly createdAtMs: number; readonly id: string };
    readonly deepToken: string;
  };
}

export interface Scenarios {
  readonly shots: Readonly<Record<string, Shot>>;
  close(): Promise<void>;
}

export async function createScenarios(setup: WorkerSetup): Promise<Scenarios> {
  const baseUrl = `http://127.0.0.1:${setup.port}`;
  const grpc = createGrpcClient(IdentityService, setup.port);
  const connect = createClient(IdentityService, createConnectTransport({ baseUrl, useBinaryFormat: true }));
  const mongo = await MongoClient.connect(setup.mongodbUri, { maxPoolSize: 32 });
  const identities = mongo.db().collection<ReturnType<typeof toDocument>>("identities");
  const argonOptions = { type: argon2.argon2id, ...setup.argon2 } as const;
  const runTag = randomBytes(4).toString("hex");
  let serial = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
  const newEmail = () => `bench.${runTag}.${serial++}@example.com`;

  const grpcCall = async (method: string, input: never, output: never, request: unknown) => {
    const result = await grpc.call(method, input, output, request as never, setup.auth as Record<string, string>);
    if (result.error) throw new Error(`${method}: ${result.error.code} ${result.error.details}`);
    return result.response as unknown;
  };
  const createRequest = (password: string) => ({
    identity: { email: newEmail(), firstName: "Jane", lastName: "Smith", phone: "+14155551234", traits: { department: "Engineering" } },
    initialPassword: password,
  });
  const listRequest = (deep: boolean) => ({ pageSize: setup.list.pageSize, pageToken: deep ? setup.list.deepToken : "" });
  const rawList = async (deep: boolean) => {
    const after = deep ? { createdAt: new Date(setup.list.deepCursor.createdAtMs), id: setup.list.deepCursor.id } : undefined;
    const query = listQuery(setup.tenantId, {}, after);
    // The service asks for one more than the page to know whether another follows.
    const docs = await identities
      .find(query.filter, { projection: { password_hash: 0 } })
      .sort(query.sort)
      .limit(setup.list.pageSize + 1)
      .toArray();
    if (docs.length === 0) throw new Error("raw list: empty page");
  };
  const expectList = (response: unknown) => {
    const page = response as { identities: unknown[] };
    if (page.identities.length !== setup.list.pageSize) throw new Error(`list: ${page.identities.length} identities`);
  };

  const shots: Record<string, Shot> = {
    // Ceilings.
    "argon2.hash": async () => void (await argon2.hash(setup.password, argonOptions)),
    "argon2.verify": async () => {
      if (!(await argon2.verify(setup.passwordHash, setup.password))) throw new Error("argon2.verify: false");
    },
    "raw.insertOne": async () => {
      const identity = seedIdentity(setup, 0, new Date());
      await identities.insertOne(toDocument({ ...identity, email: newEmail() }, null));
    },
    "raw.findOne": async () => {
      if ((await identities.findOne({ _id: pick(setup.ids) as never })) === null) throw new Error("raw findOne: none");
    },
    "raw.list.first": () => rawList(false),
    "raw.list.deep": () => rawList(true),
    // The service.
    "grpc.create.password": async () => {
      await grpcCall("createIdentity", CreateIdentityRequestSchema as never, IdentitySchema as never, createRequest(setup.password));
    },
    "grpc.create": async () => {
      await grpcCall("createIdentity", CreateIdentityRequestSchema as never, IdentitySchema as never, createRequest(""));
    },
    "connect.create": async () => {
      const identity = await connect.createIdentity(createRequest(""), { headers: setup.auth });
      if (!identity.id) throw new Error("connect create: no id");
    },
    "grpc.get": async () => {
      await grpcCall("getIdentity", GetIdentityRequestSchema as never, IdentitySchema as never, { id: pick(setup.ids) });
    },
    "rest.get": async () => {
      const res = await fetch(`${baseUrl}/v1/identities/${pick(setup.ids)}`, { headers: setup.auth });
      const body = (await res.json()) as { id?: string };
      if (res.status !== 200 || !body.id) throw new Error(`rest get: ${res.status}`);
    },
    "connect.get": async () => {
      const identity = await connect.getIdentity({ id: pick(setup.ids) }, { headers: setup.auth });
      if (!identity.id) throw new Error("connect get: no id");
    },
    "grpc.list.first": async () => {
      expectList(await grpcCall("listIdentities", ListIdentitiesRequestSchema as never, ListIdentitiesResponseSchema as never, listRequest(false)));
    },
    "grpc.list.deep": async () => {
      expectList(await grpcCall("listIdentities", ListIdentitiesRequestSchema as never, ListIdentitiesResponseSchema as never, listRequest(true)));
    },
    "grpc.verify.email": async () => {
      const response = (await grpcCall("verifyPassword", VerifyPasswordRequestSchema as never, VerifyPasswordResponseSchema as never, {
        email: pick(setup.emails),
        password: setup.password,
      })) as { valid: boolean };
      if (!response.valid) throw new Error("verify: not valid");
    },
    ...importShots({ setup, identities, newEmail, grpc }),
  };
  return {
    shots,
    async close() {
      grpc.close();
      await mongo.close();
    },
  };
}
