// Conversions between the protobuf ApiKey and the domain ApiKey.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ApiKeySchema } from "../../../gen/avnology/identity/v1/api_key_pb.js";
import type { ApiKey } from "../../domain/api-key.js";

export function apiKeyToMessage(key: ApiKey): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: key.id,
    name: key.name,
    tenantId: key.tenantId,
    scopes: [...key.scopes],
    organizationId: key.organizationId,
    expiresAt: key.expiresAt ? timestampFromDate(key.expiresAt) : undefined,
    createdBy: key.createdBy,
    createdAt: timestampFromDate(key.createdAt),
    lastUsedAt: key.lastUsedAt ? timestampFromDate(key.lastUsedAt) : undefined,
    revokedAt: key.revokedAt ? timestampFromDate(key.revokedAt) : undefined,
  };
}
