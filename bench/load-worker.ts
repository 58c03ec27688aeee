// The load generator: a process of its own (forked by bench/run.ts), so its
// CPU is not the server's. Answers {type:"init"} once, then {type:"run"}
// messages, one at a time, with a LoadResult.
import { runLoad, type LoadMode } from "./load-loop.js";
import { createScenarios, type Scenarios, type WorkerSetup } from "./scenarios.js";

export type WorkerRequest =
  | { readonly type: "init"; readonly setup: WorkerSetup }
  | { readonly type: "run"; readonly id: number; readonly shot: string; readonly mode: LoadMode }
  | { readonly type: "close" };

let scenarios: Scenarios | undefined;

// Never outlive the bench: when its IPC channel goes (it ended or crashed), stop.
process.on("disconnect", () => process.exit(0));

process.on("message", (message: WorkerRequest) => {
  void handle(message).catch((err: unknown) => {
    process.send!({ type: "failed", error: err instanceof Error ? err.stack ?? err.message : String(err) });
  });
});

async function handle(message: WorkerRequest): Promise<void> {
  if (message.type === "init") {
    scenarios = await createScenarios(message.setup);
    process.send!({ type: "ready" });
  } else if (message.type === "run") {
    const shot = scenarios?.shots[message.shot];
    if (!shot) throw new Error(`unknown shot ${message.shot}`);
    const result = await runLoad(shot, message.mode);
    process.send!({ type: "result", id: message.id, result });
  } else {
    await scenarios?.close();
    process.disconnect();
  }
}
