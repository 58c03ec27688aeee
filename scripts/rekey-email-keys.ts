// One-off after upgrading past issue 9: re-keys stored identities whose
// email_key predates the folded key (src/store/email-key-migration.ts).
// Usage: MONGODB_URI=mongodb://.../avnology npx tsx scripts/rekey-email-keys.ts
// Prints a JSON report; conflicts (two identities that are now one address)
// keep their old key and are listed for an operator.
import { connectDatabase } from "../src/store/mongo.js";
import { rekeyEmails } from "../src/store/email-key-migration.js";

const uri = process.env["MONGODB_URI"];
if (!uri) {
  console.error("MONGODB_URI is required");
  process.exit(2);
}
const database = await connectDatabase(uri);
try {
  const report = await rekeyEmails(database.db);
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.conflicts.length > 0 ? 1 : 0;
} finally {
  await database.close();
}
