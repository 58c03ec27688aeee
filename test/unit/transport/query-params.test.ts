import { describe, expect, it } from "vitest";
import { bindQuery } from "../../../src/transport/rest/query-params.js";
import { bindRequest } from "../../../src/transport/rest/request-binding.js";
import { matchRoute, type RestRoute } from "../../../src/transport/rest/routes.js";
import { AppError } from "../../../src/domain/errors.js";
import { boundQueryNames, contractRoutes, fillTemplate, routeName } from "../../support/contract-routes.js";

const routes = await contractRoutes();

function route(method: string, template: string): RestRoute {
  const found = routes.find((r) => r.httpMethod === method && r.template.source === template);
  if (!found) throw new Error(`no route ${method} ${template}`);
  return found;
}

/** Binds a request as the REST handler does; returns the 902's details or the request. */
function bind(method: string, pathAndQuery: string, body?: unknown) {
  const url = new URL(pathAndQuery, "http://localhost");
  const match = matchRoute(routes, method, url.pathname);
  if (match.kind !== "found") throw new Error(`${method} ${pathAndQuery}: ${match.kind}`);
  try {
    return { request: bindRequest({ route: match.route, pathParams: match.pathParams, query: url.searchParams, body }) as never };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { code: err.code, details: err.details };
  }
}

describe("query parameters never set what the path or the body binds", () => {
  it("the contract has routes with path variables and with bodies to test", () => {
    expect(routes.filter((r) => r.template.variables.length > 0).length).toBeGreaterThan(3);
    expect(routes.some((r) => r.body === "*") && routes.some((r) => r.body !== "*" && r.body !== "")).toBe(true);
  });

  // Derived from the descriptors: every route × every bound field, in proto and JSON spelling.
  const cases = routes.flatMap((r) => boundQueryNames(r).map((name) => [routeName(r), name, r] as const));
  it.each(cases)("%s ?%s= → 902 naming the parameter as sent", (_name, param, r) => {
    const path = fillTemplate(r, () => "A");
    const result = bindQuery(r, new URLSearchParams([[param, "B"]]));
    expect(result.values.size).toBe(0);
    expect(result.violations).toEqual([{ field: param, code: "AVNOLOGY_AUTH_902", message: expect.stringMatching(/is set by the request (path|body)/) }]);
    const bound = bind(r.httpMethod, `${path}?${encodeURIComponent(param)}=B`, r.body === "" ? undefined : {});
    expect(bound).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: param } });
  });

  it.each([
    ["DELETE", "/v1/identities/A?id=B", "id", "is set by the request path and cannot be given as a query parameter"],
    ["GET", "/v1/identities/A?id=B", "id", "is set by the request path and cannot be given as a query parameter"],
    ["DELETE", "/v1/api-keys/X?id=Y", "id", "is set by the request path and cannot be given as a query parameter"],
    ["GET", "/v1/organizations/O?id=P", "id", "is set by the request path and cannot be given as a query parameter"],
    ["PATCH", "/v1/identities/A?identity.id=B", "identity.id", "is set by the request path and cannot be given as a query parameter"],
    ["PATCH", "/v1/identities/A?identity=B", "identity", "is set by the request path and cannot be given as a query parameter"],
    ["PATCH", "/v1/identities/A?identity.email=b@x.co", "identity.email", "is set by the request body and cannot be given as a query parameter"],
    ["PATCH", "/v1/identities/A?identity.displayName=x", "identity.displayName", "is set by the request body and cannot be given as a query parameter"],
    ["POST", "/v1/identities/A:setPassword?id=B", "id", "is set by the request path and cannot be given as a query parameter"],
    ["POST", "/v1/identities/A:setPassword?password=x", "password", "is set by the request body and cannot be given as a query parameter"],
    ["POST", "/v1/identities?validate_only=true", "validate_only", "is set by the request body and cannot be given as a query parameter"],
    ["POST", "/v1/organizations?organization.name=x", "organization.name", "is set by the request body and cannot be given as a query parameter"],
    ["GET", "/v1/identities?nickname=x", "nickname", "is not a known query parameter"],
    ["GET", "/v1/identities?page_size=1&pageSize=2", "pageSize", "sets the same field as the query parameter page_size"],
    ["GET", "/v1/identities?page_size=1&page_size=2", "page_size", "has an invalid value"],
    ["GET", "/v1/identities?created_after=yesterday", "created_after", "has an invalid value"],
    ["GET", "/v1/identities?createdBefore=2026-13-01T00:00:00Z", "createdBefore", "has an invalid value"],
  ])("%s %s → 902 on %s", (method, target, field, message) => {
    const result = bind(method, target, method === "GET" || method === "DELETE" ? undefined : {});
    expect(result).toEqual({
      code: "AVNOLOGY_AUTH_902",
      details: { field, violations: [{ field, code: "AVNOLOGY_AUTH_902", message }] },
    });
  });

  it.each([
    ["PATCH", "/v1/identities/A?update_mask=display_name", { display_name: "x" }, { identity: { id: "A", displayName: "x" }, updateMask: { paths: ["display_name"] } }],
    ["PATCH", "/v1/identities/A?updateMask=display_name", { display_name: "x" }, { identity: { id: "A" }, updateMask: { paths: ["display_name"] } }],
    ["PATCH", "/v1/identities/A?validate_only=true", { id: "B", first_name: "x" }, { identity: { id: "A" }, validateOnly: true, updateMask: { paths: ["first_name"] } }],
    ["POST", "/v1/organizations?organization_id=org_x", { name: "n" }, { organizationId: "org_x", organization: { name: "n" } }],
    ["DELETE", "/v1/identities/A?etag=v1", undefined, { id: "A", etag: "v1" }],
    ["DELETE", "/v1/api-keys/X?request_id=r1", undefined, { id: "X", requestId: "r1" }],
    ["GET", "/v1/identities?email=a%40b.co&createdAfter=2026-01-01T00:00:00Z", undefined, { email: "a@b.co" }],
    // The path names the resource even when a body "*" holds another id.
    ["POST", "/v1/identities/A:setPassword", { id: "B", password: "p" }, { id: "A", password: "p" }],
  ])("%s %s still binds what is free to the query", (method, target, body, expected) => {
    expect(bind(method, target, body)).toMatchObject({ request: expected });
  });
});
