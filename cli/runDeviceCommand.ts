import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import readline from "node:readline";
import type { Readable } from "node:stream";
import { readBuild } from "../core/contracts/buildOutput";
import { parseAppTopic } from "../core/contracts/topics";
import { describePinWrite } from "../firmware/isolation/appWorkerProtocol";
import { IsolatedApp } from "../firmware/isolation/isolatedApp";
import { SimulatedBoard } from "../firmware/board";
import { pinModelsFromFlags, unusedPinModelNotes } from "./pinModels";
import { InMemoryTransport } from "../firmware/transport";
import { checkName } from "../core/contracts/names";
import type { AppFailure } from "../firmware/supervisor";
import { CliError, UsageError } from "./cliError";
import { wholeNumber } from "./devCommand";
import { DEFAULT_INSTRUCTION_BUDGET } from "../core/engine/types";
import { MAX_INSTRUCTION_BUDGET } from "../core/engine/glueAbi";
import { parseScript, runScriptedDevice } from "../firmware/scriptedDevice";
import { buildFirmwareProgram } from "./firmwareCommand";
import { END_OF_INPUT, boardFault, qemuUnavailable, startQemuBoard } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { endInput } from "../firmware/native/childInput";
import { withCallbackSites } from "../core/runtime/callbackSiteNames";
import { buildQemuImages, qemuTargetFromFlag, type QemuTarget } from "./qemuTarget";

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
  const models = pinModelsFromFlags(values.pin as string[] | undefined); // a bad spec is a usage error before anything starts
  const instructionBudget = wholeNumber(values["instruction-budget"], "--instruction-budget", DEFAULT_INSTRUCTION_BUDGET, 0, MAX_INSTRUCTION_BUDGET);
  const runtime = (values.runtime as string | undefined) ?? "typescript";
  if (runtime !== "typescript" && runtime !== "native" && runtime !== "qemu") throw new UsageError(`--runtime must be typescript, native or qemu, got ${runtime}`);
  const qemuTarget = qemuTargetFromFlag(values.target, "--target", runtime, "--runtime");

  let build;
  try {
    build = readBuild(dir);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  let board: SimulatedBoard;
  try {
    // A model for a pin the app's board lacks is a usage error here, not a failure in the worker.
    board = SimulatedBoard.forManifest(build.manifest, () => 0, models);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const note of unusedPinModelNotes(values.pin as string[] | undefined, build.manifest)) process.stderr.write(`${note}\n`);
  const scriptFile = values.script as string | undefined;
  const scriptName = scriptFile === "-" ? "<stdin>" : scriptFile; // where its lines are, in errors
  let script: string | undefined;
  if (scriptFile !== undefined) {
    try {
      script = fs.readFileSync(scriptFile === "-" ? 0 : scriptFile, "utf8");
    } catch (e) {
      throw new CliError(`--script ${scriptFile} can't be read: ${(e as Error).message}`);
    }
    try {
      parseScript(script, scriptName, board.definition);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (runtime === "native" || runtime === "qemu") {
    const args = ["run", "--build", dir, "--thing", thing, "--instruction-budget", String(instructionBudget), ...((values.pin as string[] | undefined) ?? []).flatMap((p) => ["--pin", p])];
    if (seconds !== undefined) args.push("--seconds", String(seconds));
    if (script !== undefined) args.push("--script", "-");
    // A scripted run names callbacks by number on every runtime (scriptedDevice.ts: the outputs
    // the equivalence tests compare); a plain run by file:line, as the TypeScript device does.
    const named = script === undefined ? (line: string) => withCallbackSites(line, build.manifest) : (line: string) => line;
    if (qemuTarget) return runOnQemu(qemuTarget, args, script, named);
    return runNative(buildFirmwareProgram("posix", { quietWhenUpToDate: true }), args, script, named);
  }
  if (script !== undefined) {
    await runScriptedDevice({
      manifest: build.manifest,
      snapshot: build.snapshots.device,
      thing,
      pins: (values.pin as string[] | undefined) ?? [],
      instructionBudget,
      script,
      scriptName,
      write: (line) => process.stdout.write(`${line}\n`),
    });
    return;
  }

  const transport = new InMemoryTransport();
  transport.onSend((m) => {
    const parsed = parseAppTopic(m.topic);
    const body = JSON.parse(m.payload);
    if (parsed?.kind === "up") process.stdout.write(JSON.stringify({ channel: parsed.channel, value: body.v, id: body.id, t: body.t }) + "\n");
  });

  // The app runs in a worker thread, so --seconds and Ctrl-C work even when a callback loops
  // forever (the watchdog reports it and resets the app, as on a board). A callback that fails
  // is one line on stderr and the app goes on, as a device would; a failure at start or a fatal
  // engine error ends the run.
  let ended: AppFailure | undefined;
  let endRun = () => {};
  let app: IsolatedApp;
  try {
    app = await IsolatedApp.start({
      manifest: build.manifest,
      snapshot: build.snapshots.device,
      thing,
      transport,
      pinSpecs: (values.pin as string[] | undefined) ?? [],
      stopTimeoutMs: STOP_TIMEOUT_MS,
      device: { instructionBudget },
      onLog: (line) => process.stderr.write(`${line}\n`),
      onPinWrite: (w) => process.stderr.write(`[board] ${describePinWrite(w)}\n`),
      onFailure: (failure) => {
        if (!failure.atStart && !failure.fatal) return;
        ended ??= failure;
        endRun();
      },
    });
  } catch (e) {
    throw new CliError(`the device snapshot of ${build.manifest.app} could not start: ${(e as Error).message}`);
  }
  if (!ended) {
    process.stderr.write(`running ${build.manifest.app} ${build.manifest.version.slice(0, 12)} as ${thing}${seconds ? ` for ${seconds} s` : " (Ctrl-C stops)"}\n`);
    await new Promise<void>((resolve) => {
      const timer = seconds ? setTimeout(() => endRun(), seconds * 1000) : undefined;
      endRun = () => {
        clearTimeout(timer);
        process.removeListener("SIGINT", endRun);
        process.removeListener("SIGTERM", endRun);
        resolve();
      };
      process.once("SIGINT", endRun);
      process.once("SIGTERM", endRun);
    });
  }
  await app.stop();
  const appErrors = app.errorCount - app.resets;
  if (ended) throw new CliError(`${ended.atStart ? "the app failed at start" : "the app stopped"} (${appErrors} app error${appErrors === 1 ? "" : "s"}): ${ended.message}`);
  const resets = app.resets ? `, ${app.resets} watchdog reset${app.resets === 1 ? "" : "s"}` : "";
  if (app.lastStats) {
    process.stderr.write(`stopped; VM heap ${app.lastStats.heapUsed} B (peak ${app.lastStats.heapPeak} B), ${appErrors} app errors${resets}\n`);
  } else {
    process.stderr.write(`stopped; the app was stuck (a callback looping forever?) and its thread was terminated; ${appErrors} app errors${resets}\n`);
  }
  if (app.resets || !app.lastStats) process.exitCode = 1;
}

/** How long the app gets to stop before its thread is terminated. */
const STOP_TIMEOUT_MS = 1000;

/** The Cortex-M33 build (qemuTarget.ts: the plain image, or a TrustZone build's two) on QEMU's
 * mps2-an505 with the same arguments (through semihosting); the board's serial console is our
 * stdout, its debug console our stderr (passed on as it comes, its last part kept: a board
 * that faulted ends the run with an error saying why, boardFault). */
function runOnQemu(target: QemuTarget, args: string[], script: string | undefined, named: (line: string) => string): Promise<void> {
  const unavailable = qemuUnavailable();
  if (unavailable) throw new CliError(unavailable);
  const images = buildQemuImages(target);
  let child: ChildProcess;
  try {
    child = startQemuBoard({ ...images, deviceArgs: args });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  child.stdout!.pipe(process.stdout, { end: false });
  let debugConsole = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (debugConsole = (debugConsole + d).slice(-DEBUG_CONSOLE_KEPT)));
  const stderrDone = passLines(child.stderr!, process.stderr, named);
  return new Promise((resolve, reject) => {
    const stop = () => child.kill("SIGTERM");
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    endInput(child, script === undefined ? END_OF_INPUT : script + END_OF_INPUT);
    child.on("error", (e) => reject(new CliError(`qemu-system-arm could not start: ${e.message}`)));
    child.on("close", async (code, signal) => {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
      await stderrDone;
      const fault = boardFault(code, debugConsole);
      if (fault) return reject(new CliError(fault));
      if (code !== 0 && !(signal && !code)) process.exitCode = code ?? 1;
      resolve();
    });
  });
}

/** A device's stderr passed on line by line through `named` (its error lines get the build's
 * file:line); resolves when the stream has ended and its last line is written. */
function passLines(from: Readable, to: NodeJS.WritableStream, named: (line: string) => string): Promise<void> {
  const lines = readline.createInterface({ input: from, crlfDelay: Infinity });
  lines.on("line", (line) => to.write(`${named(line)}\n`));
  return once(lines, "close").then(() => undefined);
}

/** How much of the board's debug console is kept to say why it faulted (the report is its last lines). */
const DEBUG_CONSOLE_KEPT = 4096;

/** The native device program with the same arguments; its stdout and stderr are ours. Ctrl-C
 * and SIGTERM are passed on, so it stops as the TypeScript device does (with its last line). */
function runNative(program: string, args: string[], script: string | undefined, named: (line: string) => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: [script === undefined ? "ignore" : "pipe", "inherit", "pipe"] });
    const stderrDone = passLines(child.stderr!, process.stderr, named);
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward("SIGINT");
    const onTerm = forward("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    if (script !== undefined) {
      endInput(child, script); // a device that refuses its build exits before reading: its stderr says why
    }
    child.on("error", (e) => reject(new CliError(`${program} could not start: ${e.message}`)));
    child.on("exit", async (code, signal) => {
      process.removeListener("SIGINT", onInt);
      process.removeListener("SIGTERM", onTerm);
      await stderrDone;
      if (code !== 0) process.exitCode = code ?? (signal ? 1 : 0);
      resolve();
    });
  });
}
