// Reading a Markdown file's fenced code blocks and splitting shell text into
// commands, for test/integration/readme.test.ts (which documents the README
// convention). Pure: unit-tested in test/unit/support/readme-blocks.test.ts.

export interface CodeBlock {
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** The reason of a `<!-- readme-test: skip (reason) -->` marker right before the block. */
  readonly skip?: string;
}

/** Every fenced block (``` or ~~~) of a Markdown text, with its 1-based opening line. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !(lines[j] as string).trimStart().startsWith(fence); j++) body.push(lines[j] as string);
    let k = i - 1;
    while (k >= 0 && (lines[k] as string).trim() === "") k--;
    const marker = k >= 0 ? /<!--\s*readme-test:\s*skip\s*\((.+)\)\s*-->/.exec(lines[k] as string) : null;
    blocks.push({ line: i + 1, lang: (open[2] ?? "").toLowerCase(), code: body.join("\n"), ...(marker ? { skip: (marker[1] as string).trim() } : {}) });
    i = j;
  }
  return blocks;
}

export interface ShellCommand {
  /** What bash runs: the command with its continuation lines, comments dropped. */
  readonly text: string;
  /** Trailing comments of its lines. */
  readonly comment: string;
}

/** Splits shell text into commands: a newline outside quotes and not escaped ends one. */
export function shellCommands(code: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let text = "";
  let comment = "";
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < code.length; i++) {
    const c = code[i] as string;
    if (quote) {
      text += c;
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"') text += code[++i] ?? "";
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      text += c;
    } else if (c === "\\") {
      text += c + (code[++i] ?? "");
    } else if (c === "#" && (text === "" || /\s$/.test(text))) {
      const end = code.indexOf("\n", i);
      comment += `${code.slice(i + 1, end === -1 ? code.length : end).trim()} `;
      i = (end === -1 ? code.length : end) - 1;
    } else if (c === "\n") {
      if (text.trim() !== "") commands.push({ text: text.trim(), comment: comment.trim() });
      text = "";
      comment = "";
    } else {
      text += c;
    }
  }
  if (text.trim() !== "") commands.push({ text: text.trim(), comment: comment.trim() });
  return commands;
}
