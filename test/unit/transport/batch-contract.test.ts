// Batch requests as the contract describes them: which ask for a partial
// view (result_view, AIP-157) and how REST renders a batch answer under it
// (only the view's fields of each identity; errors whole), and which carry
// items that hash passwords (their method gets a password budget).
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  BatchCreateIdentitiesRequestSchema,
  BatchCreateIdentitiesResponseSchema,
  BatchResultView,
  CreateIdentityRequestSchema,
} from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import { asksPartialView } from "../../../src/transport/contract/request-fields.js";
import { itemsMayHashPasswords } from "../../../src/transport/pipeline/rate-limit-step.js";
import { renderMessage } from "../../../src/transport/rest/render.js";

describe("asksPartialView", () => {
  it.each([
    [BatchResultView.UNSPECIFIED, false],
    [BatchResultView.FULL, false],
    [BatchResultView.ID, true],
  ])("result_view %i: %s", (view, partial) => {
    expect(asksPartialView(BatchCreateIdentitiesRequestSchema, create(BatchCreateIdentitiesRequestSchema, { resultView: view }))).toBe(partial);
  });

  it("is false for a request without result_view", () => {
    expect(asksPartialView(CreateIdentityRequestSchema, create(CreateIdentityRequestSchema))).toBe(false);
  });
});

describe("REST rendering of a batch answer", () => {
  const answer = create(BatchCreateIdentitiesResponseSchema, {
    results: [
      { index: 0, result: { case: "identity", value: { id: "usr_1", etag: "v1" } } },
      { index: 1, result: { case: "error", value: { code: "AVNOLOGY_AUTH_014", message: "taken", status: 409, details: { field: "email" } } } },
    ],
  });

  it("a partial view: each identity with its set fields only; the error and the index as always", () => {
    expect(renderMessage(BatchCreateIdentitiesResponseSchema, answer, { partialView: true })).toEqual({
      results: [
        { index: 0, identity: { id: "usr_1", etag: "v1" } },
        { index: 1, error: { code: "AVNOLOGY_AUTH_014", message: "taken", status: 409, details: { field: "email" } } },
      ],
    });
  });

  it("the full view prints every field of the identity", () => {
    const json = renderMessage(BatchCreateIdentitiesResponseSchema, answer) as { results: { identity?: Record<string, unknown> }[] };
    expect(json.results[0]!.identity).toMatchObject({ id: "usr_1", etag: "v1", email: "", updated_at: null });
  });
});

describe("which methods get a password budget for their items", () => {
  it.each([
    ["BatchCreateIdentitiesRequest", BatchCreateIdentitiesRequestSchema, true],
    ["CreateIdentityRequest", CreateIdentityRequestSchema, false],
  ] as const)("%s: %s", (_, schema, expected) => {
    expect(itemsMayHashPasswords(schema)).toBe(expected);
  });
});
