import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node (no database, no Go, no server:
// `npm run test:unit` runs on any machine in seconds); `integration` runs the
// real server against a real database, one FerretDB for the whole run
// (started by the global setup unless MONGODB_URI is set).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // 2 cores: integration files each start a server; keep parallelism modest.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/fuzz/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
    ],
  },
});
