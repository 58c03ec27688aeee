// What the API key use cases need, passed in by the composition root.
import type { ApiKeyStore, TenantStore } from "../../store/interfaces.js";

export interface OrganizationLookup {
  exists(tenantId: string, organizationId: string): Promise<boolean>;
}

export interface ApiKeyDeps {
  readonly keys: ApiKeyStore;
  readonly tenants: TenantStore;
  readonly organizations: OrganizationLookup;
  /** API_KEY_PEPPER, the HMAC key of stored digests. */
  readonly pepper: string;
  /** Drops a revoked key from this instance's authentication cache. */
  readonly evictFromCache: (keyId: string) => void;
  readonly now: () => Date;
  readonly newId: (prefix: "key" | "ten") => string;
}
