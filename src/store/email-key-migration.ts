// Re-keys stored identities whose `email_key` was made by an older rule.
// Before issue 9 the key was NFC + toLowerCase; emailUniquenessKey now also
// folds compatibility forms and full case mappings (ß → ss, ſ → s, ı → i,
// ﬃ → ffi, IDNA domains). Keys of plain ASCII addresses are unchanged, and
// any write of an identity stores the new key; until an old one is re-keyed,
// lookups by email miss it and a look-alike can still be created beside it.
//
// No transaction (FerretDB has none): each identity is updated on its own,
// guarded by the key it was read with, so the run is idempotent, resumable and
// safe beside a live service. When two stored identities of a tenant now
// share a key, the unique index refuses the second: it keeps its old key and
// is reported for an operator to merge or rename (two accounts that the new
// rule says are one address).
import type { Db } from "mongodb";
import { emailUniquenessKey } from "../domain/validation/email.js";
import { duplicateKeyIndex } from "./mongo.js";

export interface EmailRekeyReport {
  readonly scanned: number;
  readonly rekeyed: number;
  /** Identities left with their old key because another one of the tenant holds the new key. */
  readonly conflicts: readonly { readonly id: string; readonly tenantId: string; readonly newKey: string }[];
}

interface KeyedIdentity {
  _id: string;
  tenant_id: string;
  email: string;
  email_key: string;
}

export async function rekeyEmails(db: Db, keyOf: (email: string) => string = emailUniquenessKey): Promise<EmailRekeyReport> {
  const identities = db.collection<KeyedIdentity>("identities");
  let scanned = 0;
  let rekeyed = 0;
  const conflicts: { id: string; tenantId: string; newKey: string }[] = [];
  const cursor = identities.find({}, { projection: { _id: 1, tenant_id: 1, email: 1, email_key: 1 } });
  for await (const doc of cursor) {
    scanned++;
    const newKey = keyOf(doc.email);
    if (newKey === doc.email_key) continue;
    try {
      const result = await identities.updateOne({ _id: doc._id, email_key: doc.email_key }, { $set: { email_key: newKey } });
      rekeyed += result.modifiedCount;
    } catch (err) {
      if (duplicateKeyIndex(err) === undefined) throw err;
      conflicts.push({ id: doc._id, tenantId: doc.tenant_id, newKey });
    }
  }
  return { scanned, rekeyed, conflicts };
}
