// Import progress: plain lines off a terminal (the first real batch, then at
// most one per interval, then the end), a bar on a terminal, and the
// durations they show.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress, formatDuration, plainIntervalMs } from "../../../src/cli/import/progress.js";

describe("plain progress lines", () => {
  it("one at the first processed batch, then at most one per interval, and one at the end", () => {
    let now = 0;
    const lines: string[] = [];
    const progress = createProgress({ terminal: undefined, stderr: (t) => void lines.push(t), now: () => now }, 1000, "importing");
    progress.update({ done: 200, rejected: 0, processed: 0 }); // skipped as done earlier: nothing yet
    now = 1000;
    progress.update({ done: 300, rejected: 1, processed: 100 });
    now = 1000 + plainIntervalMs - 1;
    progress.update({ done: 400, rejected: 1, processed: 200 });
    now = 1000 + plainIntervalMs;
    progress.update({ done: 500, rejected: 2, processed: 300 });
    now = 8000;
    progress.stop({ done: 1000, rejected: 2, processed: 800 });
    expect(lines).toEqual([
      "importing: 300/1000 lines (30%), 100 items/s, ETA 7s, 1 rejected\n",
      "importing: 500/1000 lines (50%), 50 items/s, ETA 10s, 2 rejected\n",
      "importing: 1000/1000 lines (100%), 100 items/s, ETA 0s, 2 rejected\n",
    ]);
  });
});

describe("the progress bar", () => {
  it("draws done/total, items per second, ETA and rejects on the terminal, nothing on plain stderr", () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 120 }) as unknown as NodeJS.WriteStream;
    let drawn = "";
    (terminal as unknown as PassThrough).on("data", (chunk: Buffer) => void (drawn += chunk.toString()));
    const plain: string[] = [];
    let now = 0;
    const progress = createProgress({ terminal, stderr: (t) => void plain.push(t), now: () => now }, 10, "importing");
    now = 2000;
    progress.update({ done: 4, rejected: 1, processed: 4 });
    progress.stop({ done: 10, rejected: 1, processed: 10 });
    expect(drawn).toMatch(/importing [\u2588\u2591]+ 10\/10 lines \| 5 items\/s \| ETA 0s \| 1 rejected/);
    expect(plain).toEqual([]);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [4.4, "4s"],
    [59.6, "1m00s"],
    [75, "1m15s"],
    [3599, "59m59s"],
    [3700, "1h01m"],
    [100_000, "27h46m"],
  ])("%s s → %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
