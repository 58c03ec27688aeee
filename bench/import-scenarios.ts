// The import row's request functions: one batch of `setup.importBatch`
// pre-hashed identities per call. The service side is BatchCreateIdentities
// over Connect binary by default (the SDK's transport, @connectrpc/connect-web
// over fetch, as the CLI importer reaches the service, in the binary
// encoding), or Connect JSON (the SDK's default encoding) or gRPC
// (grpc-js); the ceiling is the raw driver's unordered insertMany of the
// same documents, built by the store's own toDocument. Every item carries
// the one shared Argon2id hash and a distinct "bench." email, so
// removeCreatedIdentities finds them all.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { Collection } from "mongodb";
import {
  BatchCreateIdentitiesRequestSchema,
  BatchCreateIdentitiesResponseSchema,
  IdentityService,
  BatchResultView,
  type BatchCreateIdentitiesResponse,
} from "../gen/avnology/identity/v1/identity_service_pb.js";
import type { Identity } from "../src/domain/identity.js";
import { toDocument } from "../src/store/identity-store.js";
import type { createGrpcClient } from "../test/support/grpc-client.js";
import { seedIdentity } from "./database.js";
import type { Shot } from "./load-loop.js";
import type { WorkerSetup } from "./scenarios.js";

export interface ImportShotDeps {
  readonly setup: WorkerSetup;
  readonly identities: Collection<ReturnType<typeof toDocument>>;
  /** A new distinct "bench.…" email. */
  readonly newEmail: () => string;
  readonly grpc: ReturnType<typeof createGrpcClient>;
}

export function importShots({ setup, identities, newEmail, grpc }: ImportShotDeps): Record<string, Shot> {
  const connectClient = (useBinaryFormat: boolean) =>
    createClient(IdentityService, createConnectTransport({ baseUrl: `http://127.0.0.1:${setup.port}`, useBinaryFormat }));
  const connect = { binary: connectClient(true), json: connectClient(false) };
  /** The identities of one batch, with the fields an import brings (those of the seeded set). */
  const batch = (): Identity[] =>
    Array.from({ length: setup.importBatch }, (_, n) => ({ ...seedIdentity(setup, n, new Date()), email: newEmail() }));

  return {
    "raw.insertMany": async () => {
      const docs = batch().map((identity) => toDocument(identity, setup.passwordHash));
      const result = await identities.insertMany(docs, { ordered: false });
      if (result.insertedCount !== docs.length) throw new Error(`raw insertMany: ${result.insertedCount} of ${docs.length}`);
    },
    ...byView((view, suffix) => ({
      [`connect.import${suffix}`]: async () =>
        expectCreated(await connect.binary.batchCreateIdentities(importRequest(view), { headers: setup.auth }), setup.importBatch),
      [`connect-json.import${suffix}`]: async () =>
        expectCreated(await connect.json.batchCreateIdentities(importRequest(view), { headers: setup.auth }), setup.importBatch),
      [`grpc.import${suffix}`]: async () => {
        const result = await grpc.call(
          "batchCreateIdentities",
          BatchCreateIdentitiesRequestSchema,
          BatchCreateIdentitiesResponseSchema,
          importRequest(view),
          setup.auth as Record<string, string>,
        );
        if (result.error) throw new Error(`import: ${result.error.code} ${result.error.details}`);
        expectCreated(result.response!, setup.importBatch);
      },
    })),
  };

  function importRequest(resultView: BatchResultView) {
    return {
      resultView,
      requests: batch().map((identity) => ({
        identity: {
          email: identity.email,
          firstName: identity.firstName,
          lastName: identity.lastName,
          phone: identity.phone,
          traits: identity.traits,
        },
        passwordHash: setup.passwordHash,
      })),
    };
  }
}

/** Every item created, or the call counts as an error naming the first refusal. */
function expectCreated(response: BatchCreateIdentitiesResponse, count: number): void {
  const refused = response.results.filter((r) => r.result.case !== "identity");
  if (refused.length > 0 || response.results.length !== count) {
    const first = refused[0]?.result;
    const why = first?.case === "error" ? `${first.value.code} ${first.value.message}` : "no results";
    throw new Error(`import: ${refused.length} of ${response.results.length} refused; first: ${why}`);
  }
}

/**
 * The shots of both result views: "…import" asks BATCH_RESULT_VIEW_ID (ids
 * only, as the CLI importer does), "…import-full" the whole identity echoed.
 */
function byView(shots: (view: BatchResultView, suffix: string) => Record<string, Shot>): Record<string, Shot> {
  return { ...shots(BatchResultView.ID, ""), ...shots(BatchResultView.FULL, "-full") };
}
