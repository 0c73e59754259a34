/** Child-process half of a corruptSnapshots test: loads the device SDK's native core (aws-crt,
 * which replaces the process's SIGSEGV handler) the way a simulated device's link does, then runs
 * every corrupt fixture through the engine. Prints the outcomes as JSON; a WebAssembly trap that
 * the SDK's handler turned into a process exit shows as a non-zero exit without that line. */
import fs from "node:fs";
import path from "node:path";
import { mqtt } from "aws-iot-device-sdk-v2";
import { loadWasmEngine } from "../../core/engine";
import type { Target } from "../../core/contracts/manifest";
import { exerciseSnapshot } from "./snapshotExercise";

async function main(): Promise<void> {
  new mqtt.MqttClient(); // loads and initializes aws-crt, as MqttTransport does
  const engine = await loadWasmEngine();
  const dir = process.argv[2];
  const outcomes: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".snap")).sort()) {
    const target = /-(device|web|server)-\d+\.snap$/.exec(name)![1] as Target;
    const outcome = exerciseSnapshot(engine, new Uint8Array(fs.readFileSync(path.join(dir, name))), target, undefined, { call: () => {}, hostCall: () => {} });
    outcomes[name] = outcome.kind === "ok" ? "ok" : outcome.errors.join("; ");
  }
  process.stdout.write(JSON.stringify(outcomes) + "\n");
}

void main();
