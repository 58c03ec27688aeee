import { describe, expect, it } from "vitest";
import {
  checkPasswordPolicy,
  defaultPasswordPolicy,
  type PasswordContext,
  type PasswordPolicy,
} from "../../../src/passwords/password-policy.js";

const min = "must be at least 8 characters";
const max = "must be at most 256 characters";
const blank = "must not consist only of whitespace";
const email = "must not contain the local part of the email address";
const user = "must not contain the username";

interface Case {
  name: string;
  password: string;
  ctx?: PasswordContext;
  policy?: PasswordPolicy;
  messages: string[];
}

const cases: Case[] = [
  { name: "a passphrase passes", password: "correct horse battery staple", messages: [] },
  { name: "exactly minLength passes", password: "abcdefgh", messages: [] },
  { name: "one short of minLength", password: "abcdefg", messages: [min] },
  { name: "empty reports length only", password: "", messages: [min] },
  // "e" + COMBINING ACUTE ACCENT is 2 code points, 1 after NFC ("é").
  { name: "combining marks counted after NFC (7)", password: "e\u0301".repeat(7), messages: [min] },
  { name: "combining marks counted after NFC (8)", password: "e\u0301".repeat(8), messages: [] },
  // An emoji is 2 UTF-16 units but 1 code point.
  { name: "7 emoji are 7 characters", password: "😀".repeat(7), messages: [min] },
  { name: "8 emoji are 8 characters", password: "😀".repeat(8), messages: [] },
  {
    name: "emoji against a small maxLength (10 ok)",
    password: "😀".repeat(10),
    policy: { minLength: 8, maxLength: 10 },
    messages: [],
  },
  {
    name: "emoji against a small maxLength (11 too long)",
    password: "😀".repeat(11),
    policy: { minLength: 8, maxLength: 10 },
    messages: ["must be at most 10 characters"],
  },
  { name: "exactly maxLength passes", password: "a".repeat(256), messages: [] },
  { name: "maxLength + 1", password: "a".repeat(257), messages: [max] },
  { name: "a huge input is refused on length alone", password: " ".repeat(100_000), messages: [max] },
  { name: "spaces only", password: " ".repeat(10), messages: [blank] },
  { name: "tabs and newlines only", password: "\t\n\t\n\t\n\t\n", messages: [blank] },
  { name: "ideographic spaces only", password: "\u3000".repeat(8), messages: [blank] },
  { name: "short and blank", password: "   ", messages: [min, blank] },
  { name: "spaces inside a passphrase are fine", password: "  two words  ", messages: [] },
  {
    name: "contains the email local part, other case",
    password: "ALICE.Smith-2024",
    ctx: { emailLocalPart: "alice.smith" },
    messages: [email],
  },
  { name: "equals the email local part", password: "alice.smith", ctx: { emailLocalPart: "alice.smith" }, messages: [email] },
  { name: "a 2-char local part is not compared", password: "albatross-wings", ctx: { emailLocalPart: "al" }, messages: [] },
  { name: "a 3-char local part is compared", password: "albatross-wings", ctx: { emailLocalPart: "alb" }, messages: [email] },
  { name: "contains the username", password: "my-Bob_Smith-pw", ctx: { username: "bob_smith" }, messages: [user] },
  { name: "username compared after NFC and Unicode case folding", password: "ärgerlich-1234", ctx: { username: "A\u0308RGER" }, messages: [user] },
  { name: "unrelated identifiers pass", password: "violet-lamp-river", ctx: { emailLocalPart: "alice", username: "bob" }, messages: [] },
  {
    name: "both identifiers and length at once",
    password: "alicebob",
    ctx: { emailLocalPart: "alice", username: "xbob" },
    policy: { minLength: 12, maxLength: 256 },
    messages: ["must be at least 12 characters", email],
  },
  {
    name: "both identifiers",
    password: "alice-and-bobby",
    ctx: { emailLocalPart: "alice", username: "bobby" },
    messages: [email, user],
  },
];

describe("checkPasswordPolicy", () => {
  it.each(cases)("$name", ({ password, ctx, policy, messages }) => {
    const violations = checkPasswordPolicy(password, ctx ?? {}, policy ?? defaultPasswordPolicy);
    expect(violations.map((v) => v.message)).toEqual(messages);
    for (const v of violations) {
      expect(v.field).toBe("initial_password");
      expect(v.code).toBe("AVNOLOGY_AUTH_011");
    }
  });

  it("never echoes the password or the identifiers in a message", () => {
    for (const { password, ctx, policy } of cases) {
      const violations = checkPasswordPolicy(password, ctx ?? {}, policy ?? defaultPasswordPolicy);
      for (const { message } of violations) {
        if (password.trim().length >= 3) expect(message).not.toContain(password.trim());
        if (ctx?.emailLocalPart) expect(message).not.toContain(ctx.emailLocalPart);
        if (ctx?.username) expect(message).not.toContain(ctx.username);
      }
    }
  });

  it("reports the field it is given", () => {
    const [v] = checkPasswordPolicy("short", {}, defaultPasswordPolicy, "new_password");
    expect(v).toEqual({ field: "new_password", code: "AVNOLOGY_AUTH_011", message: min });
  });

  it("defaults follow NIST: 8 to 256", () => {
    expect(defaultPasswordPolicy).toEqual({ minLength: 8, maxLength: 256 });
  });
});
