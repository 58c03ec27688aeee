// The raw Connect clients, in a module of their own: the client builds them
// and the helper APIs (admin.ts, keys.ts) take them, so neither of those
// imports client.ts.
import type { Client } from "@connectrpc/connect";
import type { ApiKeyService } from "./gen/avnology/identity/v1/api_key_service_pb.js";
import type { IdentityService } from "./gen/avnology/identity/v1/identity_service_pb.js";
import type { OrganizationService } from "./gen/avnology/identity/v1/organization_service_pb.js";

/** The raw Connect clients, one per service, for everything the helpers don't cover (no retries). */
export interface RawClients {
  readonly identities: Client<typeof IdentityService>;
  readonly apiKeys: Client<typeof ApiKeyService>;
  readonly organizations: Client<typeof OrganizationService>;
}
