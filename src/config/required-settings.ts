// The settings a service process refuses to start without. Checked by the
// process entry (main.ts) before anything else, so a production start with a
// missing setting fails at once with one message naming each missing one,
// rather than after a connection timeout to a default address. (loadConfig
// keeps its defaults for tests and tools that build the app themselves;
// `npm start` sets both for local development.)
export const requiredSettings = ["MONGODB_URI", "API_KEY_PEPPER"] as const;

/** The required settings that are unset or empty in `env`. */
export function missingSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  return requiredSettings.filter((name) => (env[name] ?? "").trim() === "");
}

export function missingSettingsMessage(missing: readonly string[]): string {
  return `refusing to start: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set (required; see README "Production")`;
}
