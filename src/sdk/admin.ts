// client.admin: user management in a few calls, over the raw Connect client.
// Field names are the generated camelCase ones (firstName, displayName, ...);
// `name` is a shorthand for displayName. Every failure is an AvnologyError.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { IdentitySchema, type Identity } from "../../gen/avnology/identity/v1/identity_pb.js";
import type { ListIdentitiesRequestSchema } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import type { RawClients } from "./client.js";
import { toAvnologyError } from "./errors.js";

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

export interface WriteOptions {
  /** Only change the user if it still has this etag (otherwise AVNOLOGY_AUTH_050, 412). */
  readonly etag?: string;
}

export type ListUsersFilter = Omit<MessageInitShape<typeof ListIdentitiesRequestSchema>, "$typeName" | "pageToken">;

export interface AdminApi {
  createUser(input: CreateUserInput): Promise<User>;
  getUser(id: string): Promise<User>;
  /** Changes exactly the fields given (an undefined value is ignored; "" clears a text field). */
  updateUser(id: string, changes: UpdateUserInput, options?: WriteOptions): Promise<User>;
  /** Every user matching the filter, oldest first, fetched page by page as you iterate. */
  listUsers(filter?: ListUsersFilter): AsyncIterableIterator<User>;
  deleteUser(id: string, options?: WriteOptions): Promise<void>;
  setPassword(id: string, password: string): Promise<void>;
  verifyPassword(input: { email?: string; id?: string; password: string }): Promise<boolean>;
}

export function createAdminApi(raw: RawClients, newIdempotencyKey: () => string): AdminApi {
  const api = raw.identities;
  return {
    async createUser(input) {
      const { password, name, idempotencyKey, validateOnly, ...fields } = input;
      return call(() =>
        api.createIdentity({
          identity: withName(fields, name),
          initialPassword: password ?? "",
          validateOnly: validateOnly ?? false,
          requestId: idempotencyKey ?? newIdempotencyKey(),
        }),
      );
    },

    getUser: (id) => call(() => api.getIdentity({ id })),

    async updateUser(id, changes, options = {}) {
      const { name, ...fields } = changes;
      const identity = withName(fields, name);
      return call(() =>
        api.updateIdentity({
          identity: { ...identity, id, etag: options.etag ?? "" },
          updateMask: { paths: maskPaths(identity) },
        }),
      );
    },

    async *listUsers(filter = {}) {
      let pageToken = "";
      do {
        const page = await call(() => api.listIdentities({ ...filter, pageToken }));
        yield* page.identities;
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    },

    async deleteUser(id, options = {}) {
      await call(() => api.deleteIdentity({ id, etag: options.etag ?? "", requestId: newIdempotencyKey() }));
    },

    async setPassword(id, password) {
      await call(() => api.setPassword({ id, password, requestId: newIdempotencyKey() }));
    },

    async verifyPassword(input) {
      const res = await call(() => api.verifyPassword({ email: input.email ?? "", id: input.id ?? "", password: input.password }));
      return res.valid;
    },
  };
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAvnologyError(err);
  }
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
