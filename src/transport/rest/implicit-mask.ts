// AIP-134 on REST: a PATCH without `?update_mask=` updates exactly the fields
// present in the JSON body. Only the transcoder still sees which keys the
// body had (protobuf cannot tell an absent field from an empty one), so it
// writes that mask into the request's `update_mask` field (a
// google.protobuf.FieldMask), for any method whose body is one message field.
//
// Left out of the mask: `etag` (a concurrency token, AIP-154, never a field
// to change) and fields that the path binds (`identity.id` of
// `/v1/identities/{identity.id}`), which name the resource rather than change it.
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { isPlainObject } from "../contract/json-shape.js";

const maskFieldName = "update_mask";

/**
 * The FieldMask JSON value (lowerCamel paths, comma-separated) for a body, or
 * undefined when the method has no update mask or the body is not an object.
 */
export function implicitUpdateMask(
  schema: DescMessage,
  bodyField: string,
  body: unknown,
  pathParams: ReadonlyMap<string, string>,
): string | undefined {
  const mask = schema.fields.find((f) => f.name === maskFieldName);
  if (mask?.fieldKind !== "message" || mask.message.typeName !== "google.protobuf.FieldMask") return undefined;
  const resource = schema.fields.find((f) => f.name === bodyField || f.jsonName === bodyField);
  if (resource?.fieldKind !== "message" || !isPlainObject(body)) return undefined;
  const pathBound = new Set(
    [...pathParams.keys()].filter((p) => p.startsWith(`${resource.name}.`)).map((p) => p.slice(resource.name.length + 1)),
  );
  const paths: string[] = [];
  for (const key of Object.keys(body)) {
    const field: DescField | undefined = resource.message.fields.find((f) => f.name === key || f.jsonName === key);
    // Unknown keys are reported by the shape check; they make no mask path.
    if (!field || field.name === "etag" || pathBound.has(field.name)) continue;
    paths.push(field.jsonName);
  }
  return paths.join(",");
}
