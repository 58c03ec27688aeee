import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";

const pepper = "p".repeat(32);

describe("CORS_ORIGINS", () => {
  it.each([
    [undefined, []],
    ["", []],
    ["https://app.example.com", ["https://app.example.com"]],
    [" https://a.example.com , http://localhost:3000 ", ["https://a.example.com", "http://localhost:3000"]],
    ["*", ["*"]],
  ])("%j → %j", (raw, origins) => {
    expect(loadConfig(raw === undefined ? { API_KEY_PEPPER: pepper } : { API_KEY_PEPPER: pepper, CORS_ORIGINS: raw }).corsOrigins).toEqual(origins);
  });

  it.each(["app.example.com", "https://app.example.com/path", "ftp://x.example"])("refuses %j", (raw) => {
    expect(() => loadConfig({ API_KEY_PEPPER: pepper, CORS_ORIGINS: raw })).toThrow(/CORS_ORIGINS/);
  });
});
