// Property-based fuzzing of the RPC transports (issue 9, "A suite that keeps
// these closed"): raw gRPC over HTTP/2 (length-prefixed messages with random
// flags, declared lengths and bytes, random metadata), gRPC-Web and Connect
// unary (proto and JSON bodies, random content types and headers), against
// a real test server. The property: an OK, or a refusal with a non-server
// code and an AVNOLOGY ErrorInfo; never a 5xx / INTERNAL / UNKNOWN /
// DATA_LOSS, except 503 / UNAVAILABLE with its AVNOLOGY code; and the server
// still answers afterwards. FUZZ_RUNS cases per transport (500 in `npm
// test`, 10,000 with `npm run fuzz`). Every violation is collected, so a run
// reports how many there were, not only the first.
import http2 from "node:http2";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "../../gen/avnology/identity/v1/organization_service_pb.js";
import { connectCall, envelope, grpcWebCall, jsonError, type RawAnswer } from "../support/raw-rpc.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const runs = Number(process.env["FUZZ_RUNS"] ?? 500);
const timeout = 60_000 + runs * 250;

const paths = [IdentityService, ApiKeyService, OrganizationService].flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`));
const serverCodes = new Set([2, 13, 15]); // UNKNOWN, INTERNAL, DATA_LOSS
const serverConnectCodes = new Set(["unknown", "internal", "data_loss"]);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    // The fuzzer is one client address sending many broken streams on
    // purpose: the rapid-reset budget has its own test.
    H2_RESET_BURST_PER_ADDRESS: "1000000",
    H2_SESSION_BURST_PER_ADDRESS: "1000000",
  });
});
afterAll(async () => {
  await server?.close();
});

/** Why an answer breaks the property, or undefined when it keeps it. */
function violation(answer: RawAnswer): string | undefined {
  const { status, code, reason } = answer;
  const avnology = typeof reason === "string" && reason.startsWith("AVNOLOGY_AUTH_");
  const unavailable = reason === "AVNOLOGY_AUTH_950" || reason === "AVNOLOGY_AUTH_951";
  if (status >= 500) return status === 503 && unavailable ? undefined : `HTTP ${status} ${reason ?? ""} ${answer.message}`;
  if (status !== 200) return status >= 400 && avnology ? undefined : `HTTP ${status} without an AVNOLOGY code`;
  if (code === undefined || code === 0) return undefined; // Connect 200 / gRPC OK
  if (typeof code === "number" && serverCodes.has(code)) return `gRPC ${code} ${answer.message}`;
  if (typeof code === "string" && serverConnectCodes.has(code)) return `Connect ${code} ${answer.message}`;
  if (code === 14 && !unavailable) return "UNAVAILABLE without 950/951";
  return avnology ? undefined : `code ${code} without an AVNOLOGY ErrorInfo (${answer.message})`;
}

const headerName = fc.constantFrom(
  "x-fuzz",
  "authorization",
  "idempotency-key",
  "x-request-id",
  "grpc-encoding",
  "grpc-accept-encoding",
  "content-encoding",
  "accept-encoding",
  "connect-protocol-version",
  "if-match",
  "x-user-agent",
);
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.constantFrom("gzip", "br", "identity", "deflate", "1", "Bearer x", "Bearer ak_live_x"),
  fc.integer({ min: 1, max: 24 * 1024 }).map((n) => "y".repeat(n)),
);
const metadata = fc.dictionary(headerName, headerValue, { maxKeys: 4 });
/** Sometimes the test server's real credentials, so calls reach the services. */
const withAuth = fc.boolean();

/** A body of length-prefixed messages: random flags, declared lengths that may lie, random bytes. */
const envelopes = fc
  .array(
    fc.record({
      flags: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
      data: fc.uint8Array({ maxLength: 200 }),
      lie: fc.oneof(fc.constant(0), fc.integer({ min: -5, max: 1_000_000 })),
    }),
    { maxLength: 3 },
  )
  .chain((items) => fc.tuple(fc.constant(items), fc.nat({ max: 6 })))
  .map(([items, cut]) => {
    const parts = items.map(({ flags, data, lie }) => {
      const framed = envelope(data, flags);
      if (lie !== 0) framed.writeUInt32BE(Math.max(0, Math.min(0xffffffff, data.length + lie)), 1);
      return framed;
    });
    const body = Buffer.concat(parts);
    return cut > 0 && body.length > cut ? body.subarray(0, body.length - cut) : body;
  });

async function normalClientAnswers(): Promise<void> {
  const res = await fetch(`${server.baseUrl}/v1/identities`, { headers: server.auth });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

function report(name: string, violations: string[]): void {
  const serverFaults = violations.filter((v) => /(^|: )(HTTP 5|gRPC |Connect )/.test(v)).length;
  console.log(`${name}: ${runs} cases, ${violations.length} violations (${serverFaults} server faults: 5xx / INTERNAL / UNKNOWN / DATA_LOSS)`);
  expect(violations.slice(0, 10)).toEqual([]);
}

describe("RPC fuzz", () => {
  it(`raw gRPC over HTTP/2 (${runs} cases)`, { timeout }, async () => {
    let session: http2.ClientHttp2Session | undefined;
    const connection = () => {
      if (!session || session.closed || session.destroyed) {
        // Node clients refuse to send header blocks over 64 KiB by default: let the server see them.
        session = http2.connect(server.baseUrl, { maxSendHeaderBlockLength: 1 << 20 });
        session.on("error", () => undefined);
      }
      return session;
    };
    const violations: string[] = [];
    const closedOnPurpose: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom("application/grpc", "application/grpc+proto", "application/grpc+json", "application/grpc+xml"),
        envelopes,
        metadata,
        withAuth,
        async (path, contentType, body, extra, auth) => {
          const answer = await grpcOverH2(connection(), path, contentType, body, { ...extra, ...(auth ? server.auth : {}) });
          if (answer === "closed") {
            const headerBytes = Object.entries(extra).reduce((n, [k, v]) => n + k.length + v.length, 0);
            closedOnPurpose.push(`${contentType} body ${body.length} B, headers ${headerBytes} B: ${Object.keys(extra).join(",")}`);
          }
          else {
            const why = violation(answer);
            if (why) violations.push(`${path} ${contentType}: ${why}`);
          }
        },
      ),
      { numRuns: runs },
    );
    session?.destroy();
    console.log(`raw gRPC: ${closedOnPurpose.length} streams closed without an answer`, closedOnPurpose.slice(0, 5));
    await normalClientAnswers();
    report("raw gRPC", violations);
  });

  it(`gRPC-Web (${runs} cases)`, { timeout }, async () => {
    const violations: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom("application/grpc-web", "application/grpc-web+proto", "application/grpc-web+json", "application/grpc-web-text"),
        envelopes,
        metadata,
        withAuth,
        async (path, contentType, body, extra, auth) => {
          const answer = await grpcWebCall(server.baseUrl, path, body, { ...extra, "content-type": contentType, ...(auth ? server.auth : {}) });
          const why = violation(answer);
          if (why) violations.push(`${path} ${contentType}: ${why}`);
        },
      ),
      { numRuns: runs },
    );
    await normalClientAnswers();
    report("gRPC-Web", violations);
  });

  it(`Connect unary, proto and JSON (${runs} cases)`, { timeout }, async () => {
    const jsonBody = fc.oneof(
      fc.json(),
      fc.dictionary(fc.constantFrom("id", "identity", "email", "password", "name", "scopes", "pageSize", "updateMask", "etag"), fc.jsonValue()).map((o) => JSON.stringify(o)),
    );
    const violations: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom("application/proto", "application/json", "application/json; charset=utf-8", "application/connect+proto", "text/plain", "application/x-www-form-urlencoded"),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), jsonBody),
        metadata,
        withAuth,
        async (path, contentType, body, extra, auth) => {
          const answer = await connectCall(server.baseUrl, path, body, { ...extra, "content-type": contentType, ...(auth ? server.auth : {}) });
          const why = violation(answer);
          if (why) violations.push(`${path} ${contentType}: ${why}`);
        },
      ),
      { numRuns: runs },
    );
    await normalClientAnswers();
    report("Connect", violations);
  });
});

/** One gRPC call on an HTTP/2 session with a raw body; "closed" when the server reset the stream or ended the session. */
function grpcOverH2(
  session: http2.ClientHttp2Session,
  path: string,
  contentType: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<RawAnswer | "closed"> {
  return new Promise((resolve) => {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({ ":method": "POST", ":path": path, "content-type": contentType, te: "trailers", ...headers });
    } catch {
      return resolve("closed");
    }
    let status = 0;
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      head = h;
      status = Number(h[":status"]);
    });
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", () => undefined);
    stream.on("close", () => {
      if (status === 0) return resolve("closed");
      if (status !== 200) return resolve({ status, ...jsonError(Buffer.concat(chunks)) });
      const source = trailers["grpc-status"] !== undefined ? trailers : head;
      const code = source["grpc-status"] === undefined ? undefined : Number(source["grpc-status"]);
      if (code === undefined) return resolve(stream.rstCode ? "closed" : { status, code: -1, message: "no grpc-status", reason: undefined });
      const details = source["grpc-status-details-bin"];
      resolve({ status, code, message: String(source["grpc-message"] ?? ""), reason: reasonOf(details) });
    });
    stream.end(body);
  });
}

function reasonOf(details: string | string[] | undefined): string | undefined {
  if (typeof details !== "string") return undefined;
  // ErrorInfo.reason is a plain string inside the Status bytes: find the AVNOLOGY code.
  return /AVNOLOGY_AUTH_\d{3}/.exec(Buffer.from(details, "base64").toString("latin1"))?.[0];
}
