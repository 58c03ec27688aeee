import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One FerretDB for the whole run (started unless MONGODB_URI is set).
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // 2 cores: integration files each start a server; keep parallelism modest.
    maxWorkers: 2,
  },
});
