#!/usr/bin/env node
// The avnology-identity admin CLI (src/cli/). It runs from the TypeScript
// source through tsx's loader, so it works right after `npm ci`, before any
// build; where tsx is not installed (a production install without dev
// dependencies) it runs the compiled dist/src/cli/main.js of `npm run build`.
let entry = new URL("../src/cli/main.ts", import.meta.url);
try {
  const { register } = await import("tsx/esm/api");
  register();
} catch (err) {
  if (err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
  entry = new URL("../dist/src/cli/main.js", import.meta.url);
}
await import(entry.href);
