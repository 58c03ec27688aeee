// fast-check generators of REST requests for rest.fuzz.test.ts. Most cases
// aim at a real route with a canonical path, real ids, a real credential and
// a body whose fields have the right JSON types (so they reach the domain
// rules and the database); the rest are junk of every kind, so the gateway's
// own parsing is covered too.
import fc from "fast-check";
import { getOption, hasOption, ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { FieldBehavior, field_behavior } from "../../gen/google/api/field_behavior_pb.js";
import type { RestRoute } from "../../src/transport/rest/routes.js";

export interface FuzzRequest {
  readonly method: string;
  /** The request target as it goes on the wire: path and query. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
}

export interface FuzzContext {
  readonly routes: readonly RestRoute[];
  /** Ids that exist: an identity, an organization, a key (never the admin key itself). */
  readonly knownIds: readonly string[];
  /** `Bearer ...` of a tenant admin key, and of the bootstrap key. */
  readonly adminAuthorization: string;
  readonly bootstrapAuthorization: string;
}

const junkText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("", " ", "null", "true", "0", "-1", "1e309", "NaN", "😀", "\u0000", "\u202e", "a".repeat(300), "%00", "..", "__proto__", "constructor"),
);

const plausibleStrings = fc.constantFrom(
  "jane@example.com",
  "JANE@example.com",
  "straße@example.com",
  "x@y",
  "+14155551234",
  "en-US",
  "Europe/Paris",
  "2026-01-01T00:00:00Z",
  "active",
  "inactive",
  "org_fuzz",
  "a long enough passphrase 1",
  "password123",
  "admin:users:read",
  "display_name,phone",
  "*",
);

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/).map((s) => s.trim());

export function restRequest(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  // Built once per route (building arbitraries inside a chain costs ~100 ms a case).
  const shared = { headers: headers(ctx), segment: segment(ctx) };
  const onRoute = fc.oneof(
    ...ctx.routes.map((route) =>
      fc.record({
        method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.httpMethod) }, { weight: 1, arbitrary: method }),
        path: fc.tuple(routePath(shared.segment, route), queryString(ctx, route)).map(([p, q]) => p + q),
        headers: shared.headers,
        body: body(ctx, route),
      }),
    ),
  );
  const offRoute = fc.record({
    method,
    path: fc.tuple(junkPath(shared.segment), queryString(ctx, undefined)).map(([p, q]) => p + q),
    headers: shared.headers,
    body: body(ctx, undefined),
  });
  return fc.oneof({ weight: 5, arbitrary: onRoute }, { weight: 1, arbitrary: offRoute });
}

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("GET", "POST", "PATCH", "DELETE") },
  { weight: 1, arbitrary: fc.constantFrom("PUT", "HEAD", "OPTIONS", "get", "TRACE", "QUERY") },
);

/** One path segment as it goes on the wire (printable ASCII, as node:http allows). */
function segment(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ctx.knownIds) },
    { weight: 2, arbitrary: fc.constantFrom("usr_00000000-0000-4000-8000-000000000000", "key_x", "org_none", "A") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(".", "..", "%2e", "%2E%2e", "%2F", "%5C", "%00", "%zz", "%C3", "%", "~", "*", ":", ":setPassword", ";x", "@", "%20"),
    },
    { weight: 1, arbitrary: junkText.map((s) => encodeURIComponent(s)) },
    { weight: 1, arbitrary: fc.stringMatching(/^[\x21-\x7e]{0,12}$/).filter((s) => !s.includes("?") && !s.includes("#")) },
  );
}

function junkPath(segment: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const part = fc.oneof(segment, fc.constantFrom("", "v1", "identities", "api-keys", "organizations", "identities:verifyPassword"));
  return fc.array(part, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`);
}

/** The route's template with fuzzed wire-ready segments for its variables, and now and then a suffix. */
function routePath(segment: fc.Arbitrary<string>, route: RestRoute): fc.Arbitrary<string> {
  const n = route.template.variables.length;
  const suffix = fc.oneof({ weight: 12, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("/", "/x", ":verb", "//", "/..", "%2F") });
  const path = fc.tuple(fc.array(segment, { minLength: n, maxLength: n }), suffix).map(([values, end]) => {
    let i = 0;
    return route.template.source.replace(/\{[^}]*\}/g, () => values[i++] ?? "") + end;
  });
  return fc.oneof({ weight: 6, arbitrary: path }, { weight: 1, arbitrary: respelled(path) });
}

/** Another spelling of a path that a lax server would take for it: dot segments, doubled or back slashes, a network-path prefix. */
function respelled(path: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const respell = fc.constantFrom(
    (p: string, at: number) => `${p.slice(0, at)}/.${p.slice(at)}`,
    (p: string, at: number) => `${p.slice(0, at)}/x/..${p.slice(at)}`,
    (p: string, at: number) => `${p.slice(0, at)}/%2e${p.slice(at)}`,
    (p: string, at: number) => `${p.slice(0, at)}/${p.slice(at)}`,
    // Not the first "/": a target that does not start with "/" is refused by
    // Node's HTTP parser before the service sees it (a bare 400).
    (p: string, at: number) => (at === 0 ? p : `${p.slice(0, at)}\\${p.slice(at + 1)}`),
    (p: string) => `//evil.example${p}`,
  );
  return fc.tuple(path, respell, fc.nat()).map(([p, f, n]) => {
    const slashes = [...p.matchAll(/\//g)].map((m) => m.index);
    return f(p, slashes[n % slashes.length] ?? 0);
  });
}

/** Field names a client could use: proto and JSON spellings, one level nested, plus a few wrong ones. */
function fieldNames(route: RestRoute | undefined): string[] {
  const names = new Set<string>(["id", "identity.id", "identity.email", "update_mask", "updateMask", "page_size", "validate_only", "x"]);
  for (const f of route?.method.input.fields ?? []) {
    names.add(f.name).add(f.jsonName);
    if (f.fieldKind === "message") for (const g of f.message.fields) names.add(`${f.name}.${g.name}`).add(`${f.jsonName}.${g.jsonName}`);
  }
  return [...names];
}

function queryString(ctx: FuzzContext, route: RestRoute | undefined): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fieldNames(route)) }, { weight: 1, arbitrary: junkText });
  const value = fc.oneof(
    junkText,
    fc.constantFrom(...ctx.knownIds),
    plausibleStrings,
    fc.constantFrom("true", "false", "1", "-5", "1000", "99999999999999999999", "not-a-time", "id,etag"),
  );
  const pairs = fc.array(fc.tuple(key, value), { maxLength: 4 });
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant("") },
    { weight: 4, arbitrary: pairs.map((p) => (p.length === 0 ? "" : `?${new URLSearchParams(p).toString()}`)) },
    // Raw, un-normalised encodings too.
    { weight: 1, arbitrary: pairs.map((p) => `?${p.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}&&=&%zz&a=%`) },
  );
}

const anyJsonValue = fc.jsonValue({ maxDepth: 4 });

/** Values that pass the domain's rules for fields of these names, so requests get past validation. */
function validFor(name: string): fc.Arbitrary<string> | undefined {
  const table: Record<string, fc.Arbitrary<string>> = {
    email: fc.oneof(fc.emailAddress().filter((e) => e.length < 200), fc.constantFrom("ſusan@example.com", "STRASSE@example.com", "straße@example.com")),
    phone: fc.constantFrom("+14155551234", "+442071838750", "+4930901820"),
    locale: fc.constantFrom("en-US", "de", "fr-CA"),
    timezone: fc.constantFrom("Europe/Paris", "America/New_York", "UTC"),
    organization_id: fc.constantFrom("org_fuzz", ""),
    state: fc.constantFrom("active", "inactive"),
    initial_password: fc.constantFrom("a long enough passphrase 1", "another passphrase, longer"),
    password: fc.constantFrom("a long enough passphrase 1", "another passphrase, longer"),
    name: fc.constantFrom("fuzz", "Engineering"),
    scopes: fc.constantFrom("admin:users:read", "admin:users:write", "admin:keys:write", "admin:orgs:read", "admin:orgs:write"),
    username: fc.stringMatching(/^[a-z][a-z0-9_]{2,12}$/),
    external_id: fc.stringMatching(/^[A-Za-z0-9-]{1,16}$/),
  };
  return table[name];
}

function isOutputOnly(field: DescField): boolean {
  return hasOption(field, field_behavior) && getOption(field, field_behavior).includes(FieldBehavior.OUTPUT_ONLY);
}

/** A JSON value of the field's type (so the request decodes), often one the domain accepts. */
function typedValue(field: DescField, ctx: FuzzContext, depth: number): fc.Arbitrary<unknown> {
  const valid = validFor(field.name);
  const scalar = (type: ScalarType | undefined): fc.Arbitrary<unknown> => {
    if (type === ScalarType.BOOL) return fc.boolean();
    if (type === ScalarType.STRING) {
      const any = [
        { weight: 4, arbitrary: plausibleStrings },
        { weight: 3, arbitrary: fc.emailAddress() },
        { weight: 2, arbitrary: fc.constantFrom(...ctx.knownIds) },
        { weight: 1, arbitrary: junkText },
      ];
      return fc.oneof(...(valid ? [{ weight: 20, arbitrary: valid }] : []), ...any);
    }
    if (type === ScalarType.BYTES) return fc.base64String({ maxLength: 12 });
    return fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constantFrom("7", 1e30, 2 ** 31, -(2 ** 31) - 1));
  };
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar);
    case "enum":
      return fc.oneof(fc.constantFrom(...field.enum.values.map((v) => v.name)), fc.integer({ min: -1, max: 5 }));
    case "list":
      return fc.array(field.listKind === "scalar" ? scalar(field.scalar) : field.listKind === "enum" ? fc.constant(0) : anyJsonValue, { maxLength: 4 });
    case "map":
      return fc.dictionary(fc.string({ maxLength: 6 }), anyJsonValue, { maxKeys: 3 });
    case "message":
      return messageValue(field.message, ctx, depth + 1);
  }
}

function messageValue(message: DescMessage, ctx: FuzzContext, depth: number): fc.Arbitrary<unknown> {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom("2026-13-01T00:00:00Z", "yesterday", ""));
    case "google.protobuf.FieldMask":
      return fc.constantFrom("displayName", "display_name,phone", "*", "", "id", "nope");
    case "google.protobuf.Struct":
      return fc.dictionary(fc.string({ maxLength: 8 }), anyJsonValue, { maxKeys: 4 });
    case "google.protobuf.Value":
      return anyJsonValue;
  }
  if (depth > 2) return fc.constant({});
  // Output-only fields are refused by design; set them now and then only.
  const entries = message.fields.map((f) => [f.name, fc.oneof({ weight: 15, arbitrary: typedValue(f, ctx, depth) }, { weight: 1, arbitrary: anyJsonValue })] as const);
  const all = fc.record(Object.fromEntries(entries), { requiredKeys: [] });
  const writable = message.fields.filter((f) => !isOutputOnly(f)).map((f) => f.name);
  return fc.oneof(
    { weight: 4, arbitrary: all.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => writable.includes(k)))) },
    { weight: 1, arbitrary: all },
  );
}

function deepNesting(depth: number): string {
  return `{"identity":{"email":"deep@example.com","traits":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}}`;
}

function body(ctx: FuzzContext, route: RestRoute | undefined): fc.Arbitrary<string | Buffer | undefined> {
  const typed = route
    ? route.body === "*"
      ? messageValue(route.method.input, ctx, 0)
      : route.body !== ""
        ? typedValue(route.method.input.fields.find((f) => f.name === route.body)!, ctx, 0)
        : fc.constant(undefined)
    : anyJsonValue;
  const names = fieldNames(route).filter((n) => !n.includes("."));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 8, arbitrary: typed.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...names), anyJsonValue, { maxKeys: 4 }).map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: anyJsonValue.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map(deepNesting) },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', "{", "[", '{"identity":', "\u0000", '{"a":1}{"b":2}', '"\\ud800"', "{}", "[]", "null", '{"__proto__":{"x":1}}') },
    { weight: 1, arbitrary: junkText },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  );
}

function headers(ctx: FuzzContext): fc.Arbitrary<Record<string, string>> {
  const credential = fc.oneof(
    { weight: 12, arbitrary: fc.constant(ctx.adminAuthorization) },
    { weight: 1, arbitrary: fc.constant(ctx.bootstrapAuthorization) },
    { weight: 3, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.oneof(headerValue, headerValue.map((v) => `Bearer ${v}`), fc.constantFrom("Bearer ", "Bearer ak_live_x", "Basic Zm9vOmJhcg==", "Bearer a.b.c")),
    },
  );
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant("application/json") },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("text/plain", "application/json; charset=latin1", "application/merge-patch+json", "application/proto", "application/grpc", "APPLICATION/JSON"),
    },
    { weight: 1, arbitrary: headerValue },
  );
  const sometimes = (arb: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  return fc
    .record({
      authorization: credential,
      "content-type": contentType,
      "idempotency-key": sometimes(fc.oneof(headerValue, fc.uuid())),
      "if-match": sometimes(fc.oneof(headerValue, fc.constantFrom("*", '"v1"', 'W/"x"'))),
      "x-fuzz": sometimes(headerValue),
    })
    .map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined)));
}
