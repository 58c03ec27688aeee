// Copies the few third-party .proto files we import from npm packages into
// third_party/proto (git-ignored), because buf cannot reach its schema
// registry here. Only the imported files are copied: listing the whole
// google-proto-files package as a buf module is slow and has duplicates.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), "..");
const out = join(root, "third_party", "proto");
const googleProtos = dirname(require.resolve("google-proto-files/package.json"));

const files = [
  "google/api/annotations.proto",
  "google/api/http.proto",
  "google/api/field_behavior.proto",
  "google/rpc/status.proto",
  "google/rpc/error_details.proto",
];

rmSync(out, { recursive: true, force: true });
for (const file of files) {
  mkdirSync(dirname(join(out, file)), { recursive: true });
  cpSync(join(googleProtos, file), join(out, file));
}
