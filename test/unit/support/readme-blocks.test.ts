// The README extractor (test/support/readme-blocks.ts): which blocks it finds
// and how it splits shell text, so the README test runs what a reader
// would paste.
import { describe, expect, it } from "vitest";
import { codeBlocks, shellCommands } from "../../support/readme-blocks.js";

describe("codeBlocks", () => {
  it("finds ``` and ~~~ blocks with their language, line and skip reason", () => {
    const markdown = [
      "# Title", // 1
      "```sh", // 2
      "echo one",
      "```",
      "",
      "<!-- readme-test: skip (starts a server on :8080) -->", // 6
      "",
      "~~~ts", // 8
      "const a = 1;",
      "~~~",
      "````", // 11
      "tree/",
      "```",
      "still inside",
      "````",
    ].join("\n");
    expect(codeBlocks(markdown)).toEqual([
      { line: 2, lang: "sh", code: "echo one" },
      { line: 8, lang: "ts", code: "const a = 1;", skip: "starts a server on :8080" },
      { line: 11, lang: "", code: "tree/\n```\nstill inside" },
    ]);
  });

  it("skips only a block whose marker is right before it", () => {
    const markdown = "<!-- readme-test: skip (x) -->\n\nText between.\n\n```sh\necho\n```";
    expect(codeBlocks(markdown)[0]).not.toHaveProperty("skip");
  });
});

describe("shellCommands", () => {
  it.each([
    ["one command per line", "echo a\necho b", [{ text: "echo a", comment: "" }, { text: "echo b", comment: "" }]],
    ["backslash continuations", "curl -s \\\n  -H 'a: b' \\\n  http://x", [{ text: "curl -s \\\n  -H 'a: b' \\\n  http://x", comment: "" }]],
    ["newlines inside quotes", `curl -d '{"a": 1,\n "b": 2}' http://x`, [{ text: `curl -d '{"a": 1,\n "b": 2}' http://x`, comment: "" }]],
    ["comments dropped and kept apart", "# heading\ncurl http://x   # → 409 taken\n", [{ text: "curl http://x", comment: "→ 409 taken" }]],
    ["# inside quotes or words is not a comment", `echo "a # b" c#d`, [{ text: `echo "a # b" c#d`, comment: "" }]],
    ["escaped quotes inside double quotes", `echo "say \\"hi\\"\n"`, [{ text: `echo "say \\"hi\\"\n"`, comment: "" }]],
    ["assignments", "ADMIN_KEY=ak_live_...   # the secret", [{ text: "ADMIN_KEY=ak_live_...", comment: "the secret" }]],
  ])("%s", (_name, code, expected) => {
    expect(shellCommands(code)).toEqual(expected);
  });
});
