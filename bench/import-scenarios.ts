// The import row's request functions: one batch of `setup.importBatch`
// pre-hashed identities per call. The service side is BatchCreateIdentities
// over Connect binary (the SDK's transport, @connectrpc/connect-web over
// fetch, as the CLI importer reaches the service, but in the binary
// encoding); the ceiling is the raw driver's unordered insertMany of the
// same documents, built by the store's own toDocument. Every item carries
// the one shared Argon2id hash and a distinct "bench." email, so
// removeCreatedIdentities finds them all.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { Collection } from "mongodb";
import { IdentityService } from "../gen/avnology/identity/v1/identity_service_pb.js";
import type { Identity } from "../src/domain/identity.js";
import { toDocument } from "../src/store/identity-store.js";
import { seedIdentity } from "./database.js";
import type { Shot } from "./load-loop.js";
import type { WorkerSetup } from "./scenarios.js";

export interface ImportShotDeps {
  readonly setup: WorkerSetup;
  readonly identities: Collection<ReturnType<typeof toDocument>>;
  /** A new distinct "bench.…" email. */
  readonly newEmail: () => string;
}

export function importShots({ setup, identities, newEmail }: ImportShotDeps): Record<string, Shot> {
  const connect = createClient(
    IdentityService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${setup.port}`, useBinaryFormat: true }),
  );
  /** The identities of one batch, with the fields an import brings (those of the seeded set). */
  const batch = (): Identity[] =>
    Array.from({ length: setup.importBatch }, (_, n) => ({ ...seedIdentity(setup, n, new Date()), email: newEmail() }));

  return {
    "raw.insertMany": async () => {
      const docs = batch().map((identity) => toDocument(identity, setup.passwordHash));
      const result = await identities.insertMany(docs, { ordered: false });
      if (result.insertedCount !== docs.length) throw new Error(`raw insertMany: ${result.insertedCount} of ${docs.length}`);
    },
    "connect.import": async () => {
      const requests = batch().map((identity) => ({
        identity: {
          email: identity.email,
          firstName: identity.firstName,
          lastName: identity.lastName,
          phone: identity.phone,
          traits: identity.traits,
        },
        passwordHash: setup.passwordHash,
      }));
      const response = await connect.batchCreateIdentities({ requests }, { headers: setup.auth });
      const refused = response.results.filter((r) => r.result.case !== "identity");
      if (refused.length > 0 || response.results.length !== requests.length) {
        const first = refused[0]?.result;
        const why = first?.case === "error" ? `${first.value.code} ${first.value.message}` : "missing results";
        throw new Error(`import: ${refused.length} of ${requests.length} refused; first: ${why}`);
      }
    },
  };
}
