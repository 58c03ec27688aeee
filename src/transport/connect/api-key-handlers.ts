// ApiKeyService handlers: convert the request, call the service, convert the
// response. The secret leaves the service only here, in CreateApiKeyResponse.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { create, type Message } from "@bufbuild/protobuf";
import {
  ApiKeyService,
  CreateApiKeyRequestSchema,
  CreateApiKeyResponseSchema,
  type CreateApiKeyResponse,
} from "../../../gen/avnology/identity/v1/api_key_service_pb.js";
import type { ApiKeyUseCases } from "../../services/api-keys/index.js";
import { callerOf } from "../caller-context.js";
import { outputOnlyViolations } from "../output-only.js";
import { apiKeyToMessage } from "./api-key-convert.js";

export function createApiKeyHandlers(keys: ApiKeyUseCases): ServiceImpl<typeof ApiKeyService> {
  return {
    async createApiKey(request, ctx) {
      const { key, secret } = await keys.create(callerOf(ctx), {
        name: request.name,
        scopes: request.scopes,
        organizationId: request.organizationId,
        expiresAt: request.expiresAt ? timestampDate(request.expiresAt) : null,
        transportViolations: outputOnlyViolations(CreateApiKeyRequestSchema, request, ""),
      });
      return { apiKey: apiKeyToMessage(key), secret };
    },

    async listApiKeys(request, ctx) {
      const page = await keys.list(callerOf(ctx), request.pageSize, request.pageToken);
      return { apiKeys: page.items.map(apiKeyToMessage), nextPageToken: page.nextPageToken };
    },

    async revokeApiKey(request, ctx) {
      return apiKeyToMessage(await keys.revoke(callerOf(ctx), request.id));
    },
  };
}

/**
 * What an idempotent replay of CreateApiKey answers: the stored response
 * (its secret already cleared, being `debug_redact`) saying that the secret
 * was already shown, in the first answer. Passed to registerService as
 * `replayResponse`.
 */
export const apiKeyReplayResponses = {
  createApiKey: (stored: Message): Message =>
    create(CreateApiKeyResponseSchema, { ...(stored as CreateApiKeyResponse), secret: "", secretAlreadyShown: true }),
};
