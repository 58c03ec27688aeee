// Get, Update, List, Delete, SetPassword and VerifyPassword over gRPC
// (@grpc/grpc-js, h2c) and Connect (connect-node, JSON and binary).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import {
  CreateIdentityRequestSchema,
  DeleteIdentityRequestSchema,
  GetIdentityRequestSchema,
  IdentityService,
  ListIdentitiesRequestSchema,
  ListIdentitiesResponseSchema,
  SetPasswordRequestSchema,
  SetPasswordResponseSchema,
  UpdateIdentityRequestSchema,
  VerifyPasswordRequestSchema,
  VerifyPasswordResponseSchema,
} from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { createOrganization } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // The organizations these tests name must exist in the tenant.
  for (const id of ["org_grpc-life"]) await createOrganization(server, id);
});
afterAll(async () => {
  await server?.close();
});

describe("gRPC via @grpc/grpc-js", () => {
  it("runs the whole lifecycle and reports errors with their AVNOLOGY codes", async () => {
    const client = createGrpcClient(IdentityService, server.port);
    const md = { ...server.auth };
    try {
      const created = await client.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, {
        identity: { email: "life.grpc@example.com", firstName: "Grpc", phone: "+14155551234", organizationId: "org_grpc-life" },
      }, md);
      const id = created.response!.id;

      const got = await client.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id }, md);
      expect(got.response?.etag).toBe(created.response?.etag);
      expect(got.metadata.get("etag")).toEqual([`"${created.response?.etag}"`]);

      // Without a mask: the non-empty fields (phone is not cleared).
      const implicit = await client.call("updateIdentity", UpdateIdentityRequestSchema, IdentitySchema, {
        identity: { id, lastName: "Implicit" },
      }, md);
      expect(implicit.error).toBeUndefined();
      expect(implicit.response).toMatchObject({ firstName: "Grpc", lastName: "Implicit", phone: "+14155551234" });
      // With a mask: phone in the mask but empty in the request is cleared.
      const masked = await client.call("updateIdentity", UpdateIdentityRequestSchema, IdentitySchema, {
        identity: { id, displayName: "G.", etag: implicit.response!.etag },
        updateMask: { paths: ["display_name", "phone"] },
      }, md);
      expect(masked.response).toMatchObject({ displayName: "G.", phone: "", lastName: "Implicit" });
      expect(masked.response?.updatedBy).not.toBe("");

      const stale = await client.call("updateIdentity", UpdateIdentityRequestSchema, IdentitySchema, {
        identity: { id, displayName: "Stale", etag: implicit.response!.etag },
      }, md);
      expect(stale.error?.code).toBe(grpc.status.ABORTED);
      expect(grpcErrorDetails(stale.error!).errorInfo?.reason).toBe("AVNOLOGY_AUTH_050");

      const immutable = await client.call("updateIdentity", UpdateIdentityRequestSchema, IdentitySchema, {
        identity: { id },
        updateMask: { paths: ["created_at"] },
      }, md);
      expect(immutable.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(grpcErrorDetails(immutable.error!).errorInfo?.reason).toBe("AVNOLOGY_AUTH_902");

      const listed = await client.call("listIdentities", ListIdentitiesRequestSchema, ListIdentitiesResponseSchema, {
        organizationId: "org_grpc-life",
      }, md);
      expect(listed.response?.identities.map((i) => i.id)).toEqual([id]);
      expect(listed.response?.nextPageToken).toBe("");

      const set = await client.call("setPassword", SetPasswordRequestSchema, SetPasswordResponseSchema, {
        id,
        password: "grpc passphrase of length",
      }, md);
      expect(set.error).toBeUndefined();
      expect(set.response?.etag).not.toBe(masked.response?.etag);
      const verified = await client.call("verifyPassword", VerifyPasswordRequestSchema, VerifyPasswordResponseSchema, {
        email: "LIFE.grpc@example.com",
        password: "grpc passphrase of length",
      }, md);
      expect(verified.response?.valid).toBe(true);
      const wrong = await client.call("verifyPassword", VerifyPasswordRequestSchema, VerifyPasswordResponseSchema, {
        id,
        password: "not the passphrase",
      }, md);
      expect(wrong.response?.valid).toBe(false);

      const deleted = await client.call("deleteIdentity", DeleteIdentityRequestSchema, EmptySchema, { id }, md);
      expect(deleted.error).toBeUndefined();
      const again = await client.call("deleteIdentity", DeleteIdentityRequestSchema, EmptySchema, { id }, md);
      expect(again.error?.code).toBe(grpc.status.NOT_FOUND);
      expect(grpcErrorDetails(again.error!).errorInfo?.reason).toBe("AVNOLOGY_AUTH_040");
    } finally {
      client.close();
    }
  });
});

describe.each([
  ["Connect JSON", false],
  ["Connect binary", true],
])("%s", (name, useBinaryFormat) => {
  let client: Client<typeof IdentityService>;
  const headers = () => ({ ...server.auth });
  beforeAll(() => {
    client = createClient(IdentityService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat }));
  });
  const email = (local: string) => `${local}.${useBinaryFormat ? "bin" : "json"}@example.com`;

  it("gets, updates with a mask and an If-Match header, lists, and deletes", async () => {
    const created = await client.createIdentity({ identity: { email: email("life.connect"), firstName: "C" } }, { headers: headers() });
    let etagHeader: string | null = null;
    const got = await client.getIdentity({ id: created.id }, { headers: headers(), onHeader: (h) => (etagHeader = h.get("etag")) });
    expect(got.etag).toBe(created.etag);
    expect(etagHeader).toBe(`"${created.etag}"`);

    const updated = await client.updateIdentity(
      { identity: { id: created.id, firstName: "Changed" }, updateMask: { paths: ["first_name"] } },
      { headers: { ...headers(), "If-Match": `"${created.etag}"` } },
    );
    expect(updated.firstName).toBe("Changed");
    const stale = await client
      .updateIdentity({ identity: { id: created.id, firstName: "Again" } }, { headers: { ...headers(), "If-Match": `"${created.etag}"` } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(stale).toBeInstanceOf(ConnectError);
    expect((stale as ConnectError).code).toBe(Code.Aborted);
    expect((stale as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason).toBe("AVNOLOGY_AUTH_050");

    const page = await client.listIdentities({ email: email("LIFE.connect") }, { headers: headers() });
    expect(page.identities.map((i) => i.id)).toEqual([created.id]);

    await client.deleteIdentity({ id: created.id }, { headers: headers() });
    const gone = await client.getIdentity({ id: created.id }, { headers: headers() }).catch((e: unknown) => ConnectError.from(e));
    expect((gone as ConnectError).code).toBe(Code.NotFound);
  });

  it(`${name}: sets and verifies a password; unknown identities verify false`, async () => {
    const created = await client.createIdentity({ identity: { email: email("pw.connect") } }, { headers: headers() });
    const set = await client.setPassword({ id: created.id, password: "connect passphrase here" }, { headers: headers() });
    expect(set.etag).toMatch(/^v\d+$/);
    expect(set.updatedAt).toBeDefined();
    expect((await client.verifyPassword({ id: created.id, password: "connect passphrase here" }, { headers: headers() })).valid).toBe(true);
    expect((await client.verifyPassword({ email: "ghost@example.com", password: "connect passphrase here" }, { headers: headers() })).valid).toBe(false);
  });
});
