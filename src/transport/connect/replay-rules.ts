// The replay rule of every method that takes an idempotency key (see
// ReplayRule in src/transport/pipeline/idempotency-step.ts): before a stored answer
// is replayed, the caller is checked again with the services' own
// authorization functions, on the request converted as the handler converts
// it, and a stored resource is rendered as a GET by that caller would render
// it (another organization's identity or key reads as missing;
// admin_metadata only for a tenant admin). Passed to registerService.
import type { Message } from "@bufbuild/protobuf";
import type { ApiKey as ApiKeyMessage } from "../../../gen/avnology/identity/v1/api_key_pb.js";
import type { CreateApiKeyRequest, CreateApiKeyResponse } from "../../../gen/avnology/identity/v1/api_key_service_pb.js";
import type { Identity as IdentityMessage } from "../../../gen/avnology/identity/v1/identity_pb.js";
import type { CreateIdentityRequest, UpdateIdentityRequest } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { isScope, type Caller } from "../../auth/caller.js";
import { isTenantAdmin, requireCanGrantKey, requireTenantCaller } from "../../auth/permissions.js";
import type { ReplayRule } from "../pipeline/idempotency-step.js";
import { authorizeCreateApiKey, requireVisibleApiKey } from "../../services/api-keys/create-api-key.js";
import {
  authorizeCreateIdentity,
  authorizeIdentityWrite,
  authorizeUpdateIdentity,
  requireVisibleIdentity,
} from "../../services/identities/authorize.js";
import { authorizeCreateOrganization } from "../../services/organizations/create-organization.js";
import { identityFieldsFromMessage } from "./identity-convert.js";

/** A stored Identity as `caller` may see it now: 404 outside its reach, admin_metadata only for a tenant admin. */
function visibleIdentity(caller: Caller, stored: Message): Message {
  const identity = stored as IdentityMessage;
  requireVisibleIdentity(caller, identity);
  if (isTenantAdmin(caller)) return identity;
  return { ...identity, adminMetadata: undefined } as IdentityMessage;
}

export const identityReplayRules: Record<string, ReplayRule> = {
  createIdentity: {
    authorize: (caller, request) =>
      void authorizeCreateIdentity(caller, identityFieldsFromMessage((request as CreateIdentityRequest).identity), {
        passwordHash: (request as CreateIdentityRequest).passwordHash,
      }),
    visible: visibleIdentity,
  },
  updateIdentity: {
    authorize(caller, request) {
      const { identity, updateMask } = request as UpdateIdentityRequest;
      authorizeUpdateIdentity(caller, { values: identityFieldsFromMessage(identity), maskPaths: updateMask?.paths });
    },
    visible: visibleIdentity,
  },
  // Their answers hold no identity (Empty; an etag and a time), and a caller
  // outside the identity's organization never shares their keys (keys are
  // scoped to the caller's organization binding).
  deleteIdentity: { authorize: authorizeIdentityWrite },
  setPassword: { authorize: authorizeIdentityWrite },
};

function visibleApiKey(caller: Caller, key: ApiKeyMessage | undefined): void {
  if (key) requireVisibleApiKey(caller, key);
}

export const apiKeyReplayRules: Record<string, ReplayRule> = {
  createApiKey: {
    authorize: (caller, request) => authorizeCreateApiKey(caller, request as CreateApiKeyRequest),
    visible(caller, stored) {
      visibleApiKey(caller, (stored as CreateApiKeyResponse).apiKey);
      return stored;
    },
  },
  revokeApiKey: {
    authorize(caller) {
      requireTenantCaller(caller); // the scope step checked keys:write
    },
    visible(caller, stored) {
      const key = stored as ApiKeyMessage;
      visibleApiKey(caller, key);
      // As RevokeApiKey itself: only a key the caller could have created.
      requireCanGrantKey(caller, { scopes: key.scopes.filter(isScope), organizationId: key.organizationId });
      return stored;
    },
  },
};

export const organizationReplayRules: Record<string, ReplayRule> = {
  createOrganization: { authorize: (caller) => authorizeCreateOrganization(caller) },
};
