// GET /openapi.json: the OpenAPI 3 document of the REST gateway (gen/openapi.json,
// generated from the protos and corrected by scripts/openapi/), without
// credentials, like the health endpoints: it describes the API, it grants nothing.
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

export const openApiPath = "/openapi.json";

/** Reads the document once; returns a handler that answers it and says whether it did. */
export function createOpenApiRoute(documentUrl = new URL("../../gen/openapi.json", import.meta.url)) {
  const body = readFileSync(documentUrl);
  return (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): boolean => {
    if ((req.method !== "GET" && req.method !== "HEAD") || req.url?.split("?")[0] !== openApiPath) return false;
    (res as ServerResponse).writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(body.length),
      "cache-control": "public, max-age=300",
    });
    (res as ServerResponse).end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
