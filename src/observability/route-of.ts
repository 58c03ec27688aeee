// Which RPC a request is for, as the metrics and logs name it: from the path
// for gRPC, gRPC-Web and Connect (`/pkg.Service/Method`), from the
// google.api.http routes for REST. Anything else is unmatched.
import type { DescService } from "@bufbuild/protobuf";
import { matchRoute, routesFromServices } from "../transport/rest/routes.js";
import type { RouteOf } from "./request-observer.js";

export function createRouteOf(rpcServices: readonly DescService[], restServices: readonly DescService[]): RouteOf {
  const rpcs = new Map<string, { service: string; method: string }>();
  for (const service of rpcServices) {
    for (const method of service.methods) rpcs.set(`/${service.typeName}/${method.name}`, { service: service.typeName, method: method.name });
  }
  const routes = routesFromServices(restServices);
  return (httpMethod, path, protocol) => {
    if (protocol !== "rest") return rpcs.get(path);
    const match = matchRoute(routes, httpMethod.toUpperCase(), path);
    return match.kind === "found" ? { service: match.route.service.typeName, method: match.route.method.name } : undefined;
  };
}
