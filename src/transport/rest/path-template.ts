// The google.api.http path-template grammar (the subset our contract uses
// and a bit more): literals, `*`, `**` at the end, variables `{field}` and
// `{field=pattern}`, and a trailing `:verb` (AIP-136 custom methods).
// Request paths reach matchPathTemplate only in canonical form (request-target.ts).
//
//   Template = "/" Segments [ ":" Verb ]
//   Variable = "{" FieldPath [ "=" Segments ] "}"

import { decodeSegment } from "./request-target.js";

export type Segment =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "wildcard" } // one segment
  | { readonly kind: "deep" }; // `**`: the rest, at least one segment

export interface Variable {
  readonly fieldPath: string;
  /** Index of its first segment, and how many it spans (-1: to the end). */
  readonly start: number;
  readonly length: number;
}

export interface PathTemplate {
  readonly source: string;
  readonly segments: readonly Segment[];
  readonly variables: readonly Variable[];
  readonly verb: string;
}

export function parsePathTemplate(source: string): PathTemplate {
  if (!source.startsWith("/")) throw new Error(`path template must start with "/": ${source}`);
  let body = source.slice(1);
  let verb = "";
  const lastSlash = body.lastIndexOf("/");
  const colon = body.indexOf(":", lastSlash + 1);
  if (colon >= 0 && !body.slice(colon).includes("}")) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
  }
  const segments: Segment[] = [];
  const variables: Variable[] = [];
  for (const part of splitTopLevel(body)) {
    if (part.startsWith("{")) {
      if (!part.endsWith("}")) throw new Error(`unterminated variable in ${source}`);
      const inner = part.slice(1, -1);
      const eq = inner.indexOf("=");
      const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
      const pattern = eq < 0 ? ["*"] : inner.slice(eq + 1).split("/");
      const start = segments.length;
      for (const p of pattern) segments.push(segmentOf(p, source));
      const deep = pattern.includes("**");
      variables.push({ fieldPath, start, length: deep ? -1 : pattern.length });
    } else {
      segments.push(segmentOf(part, source));
    }
  }
  const deepAt = segments.findIndex((s) => s.kind === "deep");
  if (deepAt >= 0 && deepAt !== segments.length - 1) throw new Error(`"**" must be last in ${source}`);
  return { source, segments, variables, verb };
}

/** Matches a request path (already split at the verb) and returns the bound variables, or null. */
export function matchPathTemplate(template: PathTemplate, path: string): Map<string, string> | null {
  let body = path.startsWith("/") ? path.slice(1) : path;
  if (template.verb) {
    const suffix = `:${template.verb}`;
    if (!body.endsWith(suffix)) return null;
    body = body.slice(0, -suffix.length);
  } else if (body.slice(body.lastIndexOf("/") + 1).includes(":")) {
    // A custom-method suffix on a template without one is not this route.
    return null;
  }
  const parts = body === "" ? [] : body.split("/");
  const { segments } = template;
  const hasDeep = segments.at(-1)?.kind === "deep";
  if (hasDeep ? parts.length < segments.length : parts.length !== segments.length) return null;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if (segment.kind === "literal" && part !== segment.value) return null;
    if (segment.kind !== "literal" && part === "") return null;
  }
  const bound = new Map<string, string>();
  for (const v of template.variables) {
    const end = v.length < 0 ? parts.length : v.start + v.length;
    // Each segment is percent-decoded; multi-segment variables keep the "/"
    // between segments. A segment that does not decode matches nothing
    // (request-target.ts has refused those already, and `%2F` with them).
    const decoded = parts.slice(v.start, end).map(decodeSegment);
    if (decoded.some((d) => d === undefined)) return null;
    bound.set(v.fieldPath, decoded.join("/"));
  }
  return bound;
}

function segmentOf(part: string, source: string): Segment {
  if (part === "*") return { kind: "wildcard" };
  if (part === "**") return { kind: "deep" };
  if (part === "" || /[{}*]/.test(part)) throw new Error(`bad segment "${part}" in ${source}`);
  return { kind: "literal", value: part };
}

/** Splits on "/" outside of `{...}`. */
function splitTopLevel(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (ch === "/" && depth === 0) {
      out.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

