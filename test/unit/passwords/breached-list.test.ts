import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildBreachedImage,
  loadBreachedList,
  parseBreachedImage,
  type BreachedList,
} from "../../../src/passwords/breached-list.js";

// Everything is written to a temp directory: data/breached-passwords.bin is
// left to the service and `npm run build:breached`. The one full build (~1.5 s)
// is the "missing file" case: the path below does not exist yet.
let dir: string;
let path: string;
let missingBeforeLoad: boolean;
let list: BreachedList;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "breached-"));
  path = join(dir, "nested", "breached-passwords.bin");
  missingBeforeLoad = await stat(path).then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === "ENOENT",
  );
  list = await loadBreachedList(path);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadBreachedList (SecLists top-1M)", () => {
  it("holds the whole list (at least 100,000 distinct passwords)", () => {
    expect(list.size).toBeGreaterThanOrEqual(100_000);
    expect(list.size).toBe(999_999);
  });

  it.each(["password123", "123456", "password", "qwerty", "iloveyou", "letmein"])("catches %s", (pw) => {
    expect(list.has(pw)).toBe(true);
  });

  it("does not catch random 20-character strings", () => {
    for (let i = 0; i < 1000; i++) {
      expect(list.has(randomBytes(15).toString("base64url"))).toBe(false);
    }
  });

  it("rebuilt the missing file from the package and wrote it", async () => {
    expect(missingBeforeLoad).toBe(true);
    expect((await stat(path)).size).toBe(16 + 4 * (65_536 + 1) + 4 * list.size);
    // A second load reads the file: with no source text it could not rebuild.
    const reloaded = await loadBreachedList(path, { sourcePath: join(dir, "no-such-source.txt") });
    expect(reloaded.size).toBe(list.size);
    expect(reloaded.has("password123")).toBe(true);
  });

  it("rebuilds a corrupt file from the source text", async () => {
    const corrupt = join(dir, "corrupt.bin");
    const source = join(dir, "source.txt");
    await writeFile(corrupt, "not a breached-password image");
    await writeFile(source, "hunter2\nswordfish\n");
    const rebuilt = await loadBreachedList(corrupt, { sourcePath: source });
    expect(rebuilt.size).toBe(2);
    expect(rebuilt.has("swordfish")).toBe(true);
    expect(parseBreachedImage(await readFile(corrupt))?.has("hunter2")).toBe(true);
  });
});

describe("buildBreachedImage / parseBreachedImage", () => {
  it("dedupes, ignores blank lines and CR, and is case-sensitive", () => {
    const parsed = parseBreachedImage(buildBreachedImage("alpha\r\nbeta\n\nbeta\nGamma\n"));
    expect(parsed?.size).toBe(3);
    expect(["alpha", "beta", "Gamma"].map((p) => parsed?.has(p))).toEqual([true, true, true]);
    expect(["gamma", "alpha\r", "", "delta"].map((p) => parsed?.has(p))).toEqual([false, false, false, false]);
  });

  it("handles an empty list", () => {
    const parsed = parseBreachedImage(buildBreachedImage(""));
    expect(parsed?.size).toBe(0);
    expect(parsed?.has("anything")).toBe(false);
  });

  it("parses an image at an unaligned offset (copies it)", () => {
    const image = buildBreachedImage("one\ntwo\n");
    const shifted = Buffer.alloc(image.length + 1);
    image.copy(shifted, 1);
    const parsed = parseBreachedImage(shifted.subarray(1));
    expect(parsed?.has("two")).toBe(true);
    expect(parsed?.has("three")).toBe(false);
  });

  it.each([
    ["too short", Buffer.alloc(10)],
    ["wrong magic", Buffer.concat([Buffer.from("XXXXXXXX"), buildBreachedImage("a").subarray(8)])],
    ["truncated", buildBreachedImage("a\nb\n").subarray(0, -4)],
  ])("rejects an image that is %s", (_name, image) => {
    expect(parseBreachedImage(image)).toBeUndefined();
  });
});
