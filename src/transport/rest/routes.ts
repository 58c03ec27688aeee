// REST routes read from the `google.api.http` options of the registered
// services (no second, hand-kept table).
import { getOption, hasOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "../../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../../gen/google/api/http_pb.js";
import { parsePathTemplate, matchPathTemplate, type PathTemplate } from "./path-template.js";

export interface RestRoute {
  readonly httpMethod: string;
  readonly template: PathTemplate;
  /** "*" (whole body), a field name, or "" (no body). */
  readonly body: string;
  readonly service: DescService;
  readonly method: DescMethod;
  /** 201 for AIP-133 Create methods, 204 for methods answering Empty, else 200. */
  readonly successStatus: number;
}

export function routesFromServices(services: readonly DescService[]): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      const rule = getOption(method, http);
      for (const r of [rule, ...rule.additionalBindings]) routes.push(routeOf(service, method, r));
    }
  }
  return routes;
}

function routeOf(service: DescService, method: DescMethod, rule: HttpRule): RestRoute {
  const { pattern } = rule;
  let httpMethod: string;
  let path: string;
  if (pattern.case === "custom") {
    httpMethod = pattern.value.kind.toUpperCase();
    path = pattern.value.path;
  } else if (pattern.case !== undefined) {
    httpMethod = pattern.case.toUpperCase();
    path = pattern.value;
  } else {
    throw new Error(`${method.name}: google.api.http rule without a pattern`);
  }
  const successStatus =
    method.name.startsWith("Create") ? 201 : method.output.typeName === "google.protobuf.Empty" ? 204 : 200;
  return { httpMethod, template: parsePathTemplate(path), body: rule.body, service, method, successStatus };
}

export type RouteMatch =
  | { readonly kind: "found"; readonly route: RestRoute; readonly pathParams: Map<string, string> }
  | { readonly kind: "method_not_allowed"; readonly allowed: string[] }
  | { readonly kind: "not_found" };

export function matchRoute(routes: readonly RestRoute[], httpMethod: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPathTemplate(route.template, path);
    if (!params) continue;
    if (route.httpMethod === httpMethod) return { kind: "found", route, pathParams: params };
    allowed.push(route.httpMethod);
  }
  return allowed.length > 0 ? { kind: "method_not_allowed", allowed } : { kind: "not_found" };
}
