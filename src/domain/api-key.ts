// API keys as the service sees them (the secret itself is never part of
// this: only its digest is stored, see src/auth/api-key-secret.ts).
import type { Scope } from "../auth/caller.js";

export interface ApiKey {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** "" = tenant-wide. */
  readonly organizationId: string;
  readonly expiresAt: Date | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

/** An expired key is treated exactly like a revoked one. */
export function isKeyUsable(key: Pick<ApiKey, "expiresAt" | "revokedAt">, now: Date): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now.getTime());
}
