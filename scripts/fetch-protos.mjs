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
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));
const googleProtos = packageDir("google-proto-files");
const reflectionProtos = join(packageDir("@grpc/reflection"), "build", "proto");
const healthProtos = join(packageDir("grpc-health-check"), "proto");

// [source folder, path inside it, path under third_party/proto (the import path)]
const files = [
  [googleProtos, "google/api/annotations.proto"],
  [googleProtos, "google/api/http.proto"],
  [googleProtos, "google/api/field_behavior.proto"],
  [googleProtos, "google/rpc/status.proto"],
  [googleProtos, "google/rpc/error_details.proto"],
  // Served beside our services (src/transport/health, src/transport/reflection).
  [healthProtos, "health/v1/health.proto", "grpc/health/v1/health.proto"],
  [reflectionProtos, "grpc/reflection/v1/reflection.proto"],
  [reflectionProtos, "grpc/reflection/v1alpha/reflection.proto"],
];

rmSync(out, { recursive: true, force: true });
for (const [source, file, target = file] of files) {
  mkdirSync(dirname(join(out, target)), { recursive: true });
  cpSync(join(source, file), join(out, target));
}
