// scripts/buf-breaking.sh (run by .ci/run against HEAD~1) catches a breaking
// change: in a scratch git repository holding our contract, a commit that
// renumbers a field fails it, and a commit that only adds a field passes.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");
const identityProto = join("proto", "avnology", "identity", "v1", "identity.proto");
let repo: string;

function git(...args: string[]) {
  execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: repo, stdio: "pipe" });
}
function commitEdit(edit: (text: string) => string, message: string) {
  const file = join(repo, identityProto);
  writeFileSync(file, edit(readFileSync(file, "utf8")));
  git("commit", "-qam", message);
}
function bufBreaking() {
  return spawnSync("bash", [join(repo, "scripts", "buf-breaking.sh")], { cwd: repo, encoding: "utf8" });
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "avnology-buf-breaking-"));
  for (const path of ["proto", "buf.yaml", "third_party", "scripts/buf-breaking.sh"]) cpSync(join(root, path), join(repo, path), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(repo, "node_modules"));
  writeFileSync(join(repo, ".gitignore"), "third_party/\nnode_modules\n");
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "contract");
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe("scripts/buf-breaking.sh", () => {
  it("passes an added field", () => {
    commitEdit((text) => text.replace(/\n}\s*$/, "\n  string added_for_test = 999;\n}\n"), "add a field");
    const result = bufBreaking();
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it("fails a renumbered field", () => {
    commitEdit((text) => {
      const renumbered = text.replace(/string email = (\d+)/, "string email = 998");
      expect(renumbered).not.toBe(text);
      return renumbered;
    }, "renumber email");
    const result = bufBreaking();
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/email/);
  });
});
