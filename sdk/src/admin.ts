// client.admin: user management in a few calls, over the raw Connect client.
// Field names are the generated camelCase ones (firstName, displayName, ...);
// `name` is a shorthand for displayName. Every failure is an AvnologyError;
// every write carries an idempotency key made once per call, so the SDK's
// retries (retry.ts) never apply a write twice.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { IdentitySchema, type Identity } from "./gen/avnology/identity/v1/identity_pb.js";
import type { ListIdentitiesRequestSchema } from "./gen/avnology/identity/v1/identity_service_pb.js";
import type { RawClients } from "./raw-clients.js";
import { paginate, type Invoke } from "./invoke.js";
import type { CallOptions } from "./retry.js";

export type User = Identity;

/** Every writable identity field (camelCase), all optional. */
export type UserFields = Omit<MessageInitShape<typeof IdentitySchema>, "$typeName" | "id" | "etag" | "createdAt" | "updatedAt" | "createdBy" | "updatedBy">;

export interface CreateUserInput extends UserFields {
  readonly email: string;
  /** The initial password; hashed by the service, never returned. */
  readonly password?: string;
  /** Shorthand for displayName. */
  readonly name?: string;
  /** Overrides the generated idempotency key (retry a create with the same key to get the same result). */
  readonly idempotencyKey?: string;
  readonly validateOnly?: boolean;
}

export interface UpdateUserInput extends UserFields {
  readonly name?: string;
}

export interface WriteOptions extends CallOptions {
  /** Only change the user if it still has this etag (otherwise AVNOLOGY_AUTH_050, 412). */
  readonly etag?: string;
  /** Overrides the generated idempotency key. */
  readonly idempotencyKey?: string;
}

export type ListUsersFilter = Omit<MessageInitShape<typeof ListIdentitiesRequestSchema>, "$typeName" | "pageToken">;

export interface AdminApi {
  createUser(input: CreateUserInput, options?: CallOptions): Promise<User>;
  getUser(id: string, options?: CallOptions): Promise<User>;
  /** Changes exactly the fields given (an undefined value is ignored; "" clears a text field). */
  updateUser(id: string, changes: UpdateUserInput, options?: WriteOptions): Promise<User>;
  /** Every user matching the filter, oldest first, fetched page by page as you iterate. */
  listUsers(filter?: ListUsersFilter, options?: CallOptions): AsyncGenerator<User, void, undefined>;
  deleteUser(id: string, options?: WriteOptions): Promise<void>;
  setPassword(id: string, password: string, options?: WriteOptions): Promise<void>;
  verifyPassword(input: { email?: string; id?: string; password: string }, options?: CallOptions): Promise<boolean>;
}

export function createAdminApi(raw: RawClients, invoke: Invoke, newIdempotencyKey: () => string): AdminApi {
  const api = raw.identities;
  return {
    createUser(input, options) {
      const { password, name, idempotencyKey, validateOnly, ...fields } = input;
      const request = {
        identity: withName(fields, name),
        initialPassword: password ?? "",
        validateOnly: validateOnly ?? false,
        requestId: idempotencyKey ?? newIdempotencyKey(),
      };
      return invoke((o) => api.createIdentity(request, o), options);
    },

    getUser: (id, options) => invoke((o) => api.getIdentity({ id }, o), options),

    updateUser(id, changes, options = {}) {
      const { name, ...fields } = changes;
      const identity = withName(fields, name);
      const request = {
        identity: { ...identity, id, etag: options.etag ?? "" },
        updateMask: { paths: maskPaths(identity) },
        requestId: options.idempotencyKey ?? newIdempotencyKey(),
      };
      return invoke((o) => api.updateIdentity(request, o), options);
    },

    listUsers: (filter = {}, options) =>
      paginate(
        (pageToken) => invoke((o) => api.listIdentities({ ...filter, pageToken }, o), options),
        (page) => page.identities,
      ),

    async deleteUser(id, options = {}) {
      const request = { id, etag: options.etag ?? "", requestId: options.idempotencyKey ?? newIdempotencyKey() };
      await invoke((o) => api.deleteIdentity(request, o), options);
    },

    async setPassword(id, password, options = {}) {
      const request = { id, password, requestId: options.idempotencyKey ?? newIdempotencyKey() };
      await invoke((o) => api.setPassword(request, o), options);
    },

    async verifyPassword(input, options) {
      const request = { email: input.email ?? "", id: input.id ?? "", password: input.password };
      return (await invoke((o) => api.verifyPassword(request, o), options)).valid;
    },
  };
}

function withName(fields: UserFields, name: string | undefined): UserFields {
  return name === undefined ? fields : { ...fields, displayName: name };
}

/** The snake_case mask paths of the fields given (undefined values are not "given"). */
function maskPaths(fields: UserFields): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const field = IdentitySchema.fields.find((f) => f.localName === key);
    paths.push(field ? field.name : key); // an unknown key reaches the service, which names it in a 902
  }
  return paths;
}
