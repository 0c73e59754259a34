import { readBuild } from "../core/contracts/buildOutput";
import { parseAppTopic } from "../core/contracts/topics";
import { SimulatedBoard } from "../firmware/board";
import { RealClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import type { AppFailure } from "../firmware/supervisor";
import { pinModelsFromFlags } from "./pinModels";
import { InMemoryTransport } from "../firmware/transport";
import { checkName } from "../core/contracts/names";
import { CliError, UsageError } from "./cliError";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

/** Runs the device snapshot on a simulated board with an in-memory link: each message the app
 * sends is printed as one JSON line, so it pipes into jq or a test. A failing callback is one
 * `[app] error: <callback> failed: ...` line on stderr and the app goes on, as on a device; a
 * failure at start or one that stops the app's VM ends the run with status 1. */
export async function runDeviceCommand({ values, positionals }: Parsed): Promise<void> {
  const dir = positionals[0];
  if (!dir) throw new UsageError("run-device takes the build directory, e.g. snapfleet run-device build/");
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--seconds must be a positive number, got ${values.seconds}`);
  const thing = (values.thing as string | undefined) ?? "sim-1";
  const problem = checkName("thing", thing);
  if (problem) throw new UsageError(problem);
  const models = pinModelsFromFlags(values.pin as string[] | undefined);

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

  let ended: AppFailure | undefined;
  let endRun = () => {};
  let device: Device;
  try {
    device = await Device.boot({
      manifest: build.manifest,
      snapshot: build.snapshots.device,
      thing,
      board,
      clock,
      transport,
      onLog: (line) => process.stderr.write(`${line}\n`),
      onAppFailure: (failure) => {
        if (!failure.atStart && !failure.fatal) return;
        ended ??= failure;
        endRun();
      },
    });
  } catch (e) {
    throw new CliError(`cannot start the device app of ${dir}: ${(e as Error).message}`);
  }
  if (!ended) {
    process.stderr.write(`running ${build.manifest.app} ${build.manifest.version.slice(0, 12)} as ${thing}${seconds ? ` for ${seconds} s` : " (Ctrl-C stops)"}\n`);
    await new Promise<void>((resolve) => {
      const timer = seconds ? setTimeout(() => endRun(), seconds * 1000) : undefined;
      endRun = () => {
        clearTimeout(timer);
        process.removeListener("SIGINT", endRun);
        resolve();
      };
      process.once("SIGINT", endRun);
    });
  }
  const stats = device.vm.stopped ? undefined : device.vm.memoryStats();
  await device.stop();
  const errors = `${device.supervisor.appErrorCount} app error${device.supervisor.appErrorCount === 1 ? "" : "s"}`;
  if (ended) throw new CliError(`${ended.atStart ? "the app failed at start" : "the app stopped"} (${errors}): ${ended.message}`);
  process.stderr.write(`stopped; ${stats ? `VM heap ${stats.heapUsed} B (peak ${stats.heapHighWaterMark} B), ` : ""}${errors}\n`);
}
