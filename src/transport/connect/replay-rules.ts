// The replay rule of every method that takes an idempotency key (see
// ReplayRule in src/transport/pipeline/idempotency-step.ts): before a stored answer
// is replayed, the caller is checked again with the services' own
// authorization functions, on the request converted as the handler converts
// it, and a stored resource is rendered as a GET by that caller would render
// it (another organization's identity or key reads as missing;
// admin_metadata only for a tenant admin). Passed to registerService.
import { create, type Message } from "@bufbuild/protobuf";
import type { ApiKey as ApiKeyMessage } from "../../../gen/avnology/identity/v1/api_key_pb.js";
import type { CreateApiKeyRequest, CreateApiKeyResponse } from "../../../gen/avnology/identity/v1/api_key_service_pb.js";
import type { Identity as IdentityMessage } from "../../../gen/avnology/identity/v1/identity_pb.js";
import type {
  BatchCreateIdentitiesRequest,
  BatchCreateIdentitiesResponse,
  CreateIdentityRequest,
  UpdateIdentityRequest,
} from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { ItemErrorSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { AppError } from "../../domain/errors.js";
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
import { itemErrorMessage } from "./item-error.js";

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
  // A fresh batch is refused as a whole only by the scope step: every item is
  // authorized again on its own, and an item the caller may not create now
  // answers what a fresh call would answer for it (its 403 in its result);
  // a stored identity is rendered as a GET by this caller would render it.
  batchCreateIdentities: {
    authorize() {},
    visible(caller, stored, request) {
      const items = (request as BatchCreateIdentitiesRequest | undefined)?.requests ?? [];
      const response = stored as BatchCreateIdentitiesResponse;
      return {
        ...response,
        results: response.results.map((r) => {
          if (r.result.case !== "identity") return r;
          const item = items[r.index];
          try {
            authorizeCreateIdentity(caller, identityFieldsFromMessage(item?.identity), { passwordHash: item?.passwordHash ?? "" });
            return { ...r, result: { case: "identity", value: visibleIdentity(caller, r.result.value) as IdentityMessage } };
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            return { ...r, result: { case: "error", value: create(ItemErrorSchema, itemErrorMessage(err)) } };
          }
        }),
      } as BatchCreateIdentitiesResponse;
    },
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
