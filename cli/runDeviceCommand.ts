import { readBuild } from "../core/contracts/buildOutput";
import { parseAppTopic } from "../core/contracts/topics";
import { SimulatedBoard } from "../firmware/board";
import { RealClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import { pinModelsFromFlags } from "./pinModels";
import { InMemoryTransport } from "../firmware/transport";
import { checkName } from "../core/contracts/names";
import { CliError, UsageError } from "./cliError";
import { wholeNumber } from "./devCommand";
import { DEFAULT_INSTRUCTION_BUDGET } from "../core/engine/types";
import { MAX_INSTRUCTION_BUDGET } from "../core/engine/glueAbi";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

/** Runs the device snapshot on a simulated board with an in-memory link: each message the app
 * sends is printed as one JSON line, so it pipes into jq or a test. */
export async function runDeviceCommand({ values, positionals }: Parsed): Promise<void> {
  const dir = positionals[0];
  if (!dir) throw new UsageError("run-device takes the build directory, e.g. snapfleet run-device build/");
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--seconds must be a positive number, got ${values.seconds}`);
  const thing = (values.thing as string | undefined) ?? "sim-1";
  const problem = checkName("thing", thing);
  if (problem) throw new UsageError(problem);
  const models = pinModelsFromFlags(values.pin as string[] | undefined);
  const instructionBudget = wholeNumber(values["instruction-budget"], "--instruction-budget", DEFAULT_INSTRUCTION_BUDGET, 0, MAX_INSTRUCTION_BUDGET);

  let build;
  try {
    build = readBuild(dir);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const clock = new RealClock();
  const transport = new InMemoryTransport();
  const board = SimulatedBoard.forPins(build.manifest.pins, () => clock.now(), models);
  transport.onSend((m) => {
    const parsed = parseAppTopic(m.topic);
    const body = JSON.parse(m.payload);
    if (parsed?.kind === "up") process.stdout.write(JSON.stringify({ channel: parsed.channel, value: body.v, id: body.id, t: body.t }) + "\n");
  });
  board.onDigitalWrite((w) => process.stderr.write(`[board] ${w.pin} <- ${w.value ? "HIGH" : "LOW"}\n`));

  const device = await Device.boot({
    manifest: build.manifest,
    snapshot: build.snapshots.device,
    thing,
    board,
    clock,
    transport,
    onLog: (line) => process.stderr.write(`${line}\n`),
    instructionBudget,
  });
  process.stderr.write(`running ${build.manifest.app} ${build.manifest.version.slice(0, 12)} as ${thing}${seconds ? ` for ${seconds} s` : " (Ctrl-C stops)"}\n`);

  await new Promise<void>((resolve) => {
    const finish = () => resolve();
    process.once("SIGINT", finish);
    if (seconds) setTimeout(finish, seconds * 1000);
  });
  const stats = device.vm.memoryStats();
  device.stop();
  process.stderr.write(`stopped; VM heap ${stats.heapUsed} B (peak ${stats.heapHighWaterMark} B), ${device.supervisor.appErrors.length} app errors\n`);
}
