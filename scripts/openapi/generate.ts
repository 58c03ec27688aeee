// Writes gen/openapi.json: protoc-gen-openapi's document (buf.gen.openapi.yaml,
// into the git-ignored .openapi-raw/) corrected by correct-openapi.ts.
// Run by `npm run generate` after `buf generate`; CI checks the result fresh.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ApiKeyService } from "../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "../../gen/avnology/identity/v1/organization_service_pb.js";
import { correctOpenApi, type OpenApiDocument } from "./correct-openapi.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const raw = parse(readFileSync(join(root, ".openapi-raw", "openapi.yaml"), "utf8")) as OpenApiDocument;
const corrected = correctOpenApi(raw, [IdentityService, ApiKeyService, OrganizationService]);
writeFileSync(join(root, "gen", "openapi.json"), `${JSON.stringify(corrected, null, 2)}\n`);
