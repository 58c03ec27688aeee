// IdentityService handlers: convert the request, call the service, convert
// the response. Shared by gRPC, gRPC-Web, Connect and the REST transcoder.
import type { ServiceImpl } from "@connectrpc/connect";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { IdentityService } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { BatchResultView, CreateIdentityRequestSchema, UpdateIdentityRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { isTenantAdmin } from "../../auth/permissions.js";
import { etagOf } from "../../domain/etag.js";
import type { IdentityUseCases } from "../../services/identities/index.js";
import { passwordBudgetOf } from "../pipeline/password-budget.js";
import { newIdPlanOf } from "../pipeline/planned-id.js";
import { callerOf } from "../caller-context.js";
import { etagFromIfMatch, setEtagHeader } from "../etag-header.js";
import { outputOnlyViolations } from "../output-only.js";
import { identityFieldsFromMessage, identityIdMessage, identityToMessage } from "./identity-convert.js";
import { itemErrorMessage } from "./item-error.js";

export function createIdentityHandlers(identities: IdentityUseCases): ServiceImpl<typeof IdentityService> {
  return {
    async createIdentity(request, ctx) {
      const caller = callerOf(ctx);
      const result = await identities.create(caller, {
        fields: identityFieldsFromMessage(request.identity),
        initialPassword: request.initialPassword,
        passwordHash: request.passwordHash,
        validateOnly: request.validateOnly,
        transportViolations: outputOnlyViolations(CreateIdentityRequestSchema, request, ""),
        newIdPlan: newIdPlanOf(ctx),
      });
      if (result.created) setEtagHeader(ctx.responseHeader, etagOf(result.identity.version));
      return identityToMessage(result.identity, { includeAdminMetadata: isTenantAdmin(caller) });
    },

    async batchCreateIdentities(request, ctx) {
      const caller = callerOf(ctx);
      const results = await identities.batchCreate(caller, {
        validateOnly: request.validateOnly,
        passwordBudget: passwordBudgetOf(ctx),
        newIdPlan: newIdPlanOf(ctx),
        items: request.requests.map((item) => ({
          fields: identityFieldsFromMessage(item.identity),
          initialPassword: item.initialPassword,
          passwordHash: item.passwordHash,
          requestId: item.requestId,
          validateOnly: item.validateOnly,
          transportViolations: outputOnlyViolations(CreateIdentityRequestSchema, item, ""),
        })),
      });
      const view = { includeAdminMetadata: isTenantAdmin(caller) };
      const idOnly = request.resultView === BatchResultView.ID;
      return {
        results: results.map((result, index) => ({
          index,
          result: result.ok
            ? { case: "identity" as const, value: idOnly ? identityIdMessage(result.identity) : identityToMessage(result.identity, view) }
            : { case: "error" as const, value: itemErrorMessage(result.error) },
        })),
      };
    },

    async getIdentity(request, ctx) {
      const caller = callerOf(ctx);
      const identity = await identities.get(caller, request.id);
      setEtagHeader(ctx.responseHeader, etagOf(identity.version));
      return identityToMessage(identity, { includeAdminMetadata: isTenantAdmin(caller) });
    },

    async updateIdentity(request, ctx) {
      const caller = callerOf(ctx);
      const id = request.identity?.id ?? "";
      // identity.id names the identity to change (AIP-134), so it is the one
      // output-only field an update request carries.
      const transportViolations = outputOnlyViolations(UpdateIdentityRequestSchema, request, "").filter(
        (v) => v.field !== "identity.id",
      );
      if (id === "") transportViolations.push({ field: "identity.id", code: "AVNOLOGY_AUTH_902", message: "is required" });
      const identity = await identities.update(caller, {
        id,
        values: identityFieldsFromMessage(request.identity),
        maskPaths: request.updateMask?.paths,
        etag: request.identity?.etag || etagFromIfMatch(ctx.requestHeader),
        validateOnly: request.validateOnly,
        transportViolations,
      });
      setEtagHeader(ctx.responseHeader, etagOf(identity.version));
      return identityToMessage(identity, { includeAdminMetadata: isTenantAdmin(caller) });
    },

    async listIdentities(request, ctx) {
      const caller = callerOf(ctx);
      const page = await identities.list(caller, {
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        email: request.email,
        username: request.username,
        organizationId: request.organizationId,
        externalId: request.externalId,
        state: request.state,
        createdAfter: request.createdAfter ? timestampDate(request.createdAfter) : undefined,
        createdBefore: request.createdBefore ? timestampDate(request.createdBefore) : undefined,
      });
      const view = { includeAdminMetadata: isTenantAdmin(caller) };
      return { identities: page.identities.map((i) => identityToMessage(i, view)), nextPageToken: page.nextPageToken };
    },

    async deleteIdentity(request, ctx) {
      await identities.delete(callerOf(ctx), { id: request.id, etag: request.etag || etagFromIfMatch(ctx.requestHeader) });
      return {};
    },

    async setPassword(request, ctx) {
      const identity = await identities.setPassword(callerOf(ctx), request.id, request.password);
      const etag = etagOf(identity.version);
      setEtagHeader(ctx.responseHeader, etag);
      return { etag, updatedAt: identity.updatedAt ? timestampFromDate(identity.updatedAt) : undefined };
    },

    async verifyPassword(request, ctx) {
      const result = await identities.verifyPassword(callerOf(ctx), {
        email: request.email,
        id: request.id,
        password: request.password,
      });
      return { valid: result.valid };
    },
  };
}
