// Every REST route of the contract, read from the generated descriptors of
// every service under gen/avnology (not from a list kept by hand), so tests
// that iterate over routes cover a new route or service without an edit.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { DescField, DescFile, DescService } from "@bufbuild/protobuf";
import { routesFromServices, type RestRoute } from "../../src/transport/rest/routes.js";

const genRoot = fileURLToPath(new URL("../../gen/avnology", import.meta.url));

export async function contractServices(): Promise<DescService[]> {
  const files = readdirSync(genRoot, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("_pb.ts"));
  const services = new Map<string, DescService>();
  for (const file of files) {
    const module = (await import(join(genRoot, file))) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (isDescFile(value)) for (const service of value.services) services.set(service.typeName, service);
    }
  }
  return [...services.values()];
}

export async function contractRoutes(): Promise<RestRoute[]> {
  return routesFromServices(await contractServices());
}

/** A readable name for a route in test titles: `DELETE /v1/identities/{id}`. */
export function routeName(route: RestRoute): string {
  return `${route.httpMethod} ${route.template.source}`;
}

/** The route's template with each variable replaced by `values(fieldPath)` (percent-encoded). */
export function fillTemplate(route: RestRoute, values: (fieldPath: string) => string): string {
  const path = route.template.source.replace(/\{([^}=]+)(?:=[^}]*)?\}/g, (_, fieldPath: string) => encodeURIComponent(values(fieldPath)));
  return path;
}

/**
 * Every field path a query parameter could name that the route's path or
 * body binds, in proto and (where different) JSON spelling: path variables,
 * every field of a body "*" request, and the body field plus every field of
 * its message for a body field route.
 */
export function boundQueryNames(route: RestRoute): string[] {
  const schema = route.method.input;
  const names = new Set<string>();
  const add = (fields: readonly DescField[]) => {
    names.add(fields.map((f) => f.name).join("."));
    names.add(fields.map((f) => f.jsonName).join("."));
  };
  for (const v of route.template.variables) add(fieldChain(schema.fields, v.fieldPath));
  if (route.body === "*") for (const f of schema.fields) add([f]);
  else if (route.body !== "") {
    const body = schema.fields.find((f) => f.name === route.body)!;
    add([body]);
    if (body.fieldKind === "message") for (const f of body.message.fields) add([body, f]);
  }
  return [...names];
}

function fieldChain(fields: readonly DescField[], dotted: string): DescField[] {
  const chain: DescField[] = [];
  let current = fields;
  for (const part of dotted.split(".")) {
    const field = current.find((f) => f.name === part);
    if (!field) throw new Error(`no field ${dotted}`);
    chain.push(field);
    current = field.fieldKind === "message" ? field.message.fields : [];
  }
  return chain;
}

function isDescFile(value: unknown): value is DescFile {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "file";
}
