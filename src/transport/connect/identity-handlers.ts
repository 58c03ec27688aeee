// IdentityService handlers: convert the request, call the service, convert
// the response. Shared by gRPC, gRPC-Web, Connect and the REST transcoder.
import type { ServiceImpl } from "@connectrpc/connect";
import { IdentityService } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { CreateIdentityRequestSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { isTenantAdmin } from "../../auth/permissions.js";
import type { IdentityService as IdentityUseCases } from "../../services/identities/index.js";
import { callerOf } from "../caller-context.js";
import { outputOnlyViolations } from "../output-only.js";
import { identityFieldsFromMessage, identityToMessage } from "./identity-convert.js";

export function createIdentityHandlers(identities: IdentityUseCases): ServiceImpl<typeof IdentityService> {
  return {
    async createIdentity(request, ctx) {
      const caller = callerOf(ctx);
      const result = await identities.create(caller, {
        fields: identityFieldsFromMessage(request.identity),
        initialPassword: request.initialPassword,
        validateOnly: request.validateOnly,
        transportViolations: outputOnlyViolations(CreateIdentityRequestSchema, request, ""),
      });
      return identityToMessage(result.identity, { includeAdminMetadata: isTenantAdmin(caller) });
    },

    async getIdentity(request, ctx) {
      const caller = callerOf(ctx);
      const identity = await identities.get(caller, request.id);
      return identityToMessage(identity, { includeAdminMetadata: isTenantAdmin(caller) });
    },
  };
}
