// The committed gen/openapi.json says what the gateway does, route by route:
// read from the same routes the gateway serves (routes.ts), so a change to a
// route's status or to the contract shows up here until `npm run generate`.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ApiKeyService } from "../../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentityService } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "../../../gen/avnology/identity/v1/organization_service_pb.js";
import { correctOpenApi, type OpenApiDocument } from "../../../scripts/openapi/correct-openapi.js";
import { catalogue } from "../../../src/domain/errors.js";
import { routesFromServices } from "../../../src/transport/rest/routes.js";

const services = [IdentityService, ApiKeyService, OrganizationService];
const doc = JSON.parse(readFileSync(new URL("../../../gen/openapi.json", import.meta.url), "utf8"));
type Operation = { operationId: string; responses: Record<string, unknown>; parameters?: Array<{ $ref?: string; name?: string; in?: string }> };
const operations = new Map<string, Operation>();
for (const ops of Object.values(doc.paths as Record<string, Record<string, Operation>>)) for (const op of Object.values(ops)) operations.set(op.operationId, op);

describe("gen/openapi.json, route by route", () => {
  const routes = routesFromServices(services).map((route) => ({ name: `${route.service.name}_${route.method.name}`, route }));
  it.each(routes)("$name", ({ name, route }) => {
    const op = operations.get(name);
    expect(op, name).toBeDefined();
    const statuses = Object.keys(op!.responses);
    expect(statuses).toContain(String(route.successStatus));
    if (route.successStatus !== 200) {
      const validateOnly = route.method.input.fields.some((f) => f.name === "validate_only");
      expect(statuses.includes("200")).toBe(validateOnly);
    }
    for (const status of new Set(Object.values(catalogue).map((e) => e.http))) expect(statuses).toContain(String(status));
    const refs = (op!.parameters ?? []).map((p) => p.$ref);
    expect(refs.includes("#/components/parameters/IdempotencyKey")).toBe(route.method.input.fields.some((f) => f.name === "request_id"));
  });

  it("update takes update_mask as a query parameter and If-Match", () => {
    const update = operations.get("IdentityService_UpdateIdentity")!;
    expect(update.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "update_mask", in: "query" })]));
    expect(update.parameters).toEqual(expect.arrayContaining([{ $ref: "#/components/parameters/IfMatch" }]));
  });

  it("fields the gateway renders as null are nullable", () => {
    const identity = doc.components.schemas.Identity.properties;
    expect(identity.updated_at).toMatchObject({ nullable: true, type: "string", format: "date-time" });
    expect(identity.traits).toMatchObject({ nullable: true, type: "object" });
    expect(identity.email.nullable).toBeUndefined();
  });
});

describe("correctOpenApi", () => {
  it("refuses an operation that no gateway route answers", () => {
    const raw: OpenApiDocument = { openapi: "3.0.3", paths: { "/v1/x": { get: { operationId: "IdentityService_Nope", responses: { "200": {} } } } } };
    expect(() => correctOpenApi(raw, services)).toThrow(/no gateway route answers IdentityService_Nope/);
  });

  it("refuses a document that leaves out a route", () => {
    expect(() => correctOpenApi({ openapi: "3.0.3", paths: {} }, services)).toThrow(/routes missing from the document/);
  });
});
