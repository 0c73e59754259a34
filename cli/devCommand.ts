/** `snapfleet dev <entry>`: the whole system on one machine (what `npm start` runs). Prints the
 * dashboard address as soon as the cloud runs the build, follows device logs and pin writes and
 * keeps a live status table, the devices still starting shown so; Ctrl-C stops devices (they
 * publish "offline"), services and broker, in that order, within 5 s, also during the fleet's
 * start; so do SIGTERM, a hang-up and --seconds. */
import path from "node:path";
import { boardFromFlag, pinModelsFromFlags } from "./pinModels";
import { CliError, UsageError } from "./cliError";
import { usableStateDir } from "./stateDir";
import { DEVICE_RUNTIMES, DevSession, type DeviceRuntime } from "./devSession";
import { qemuUnavailable } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { buildFirmwareProgram } from "./firmwareCommand";
import { DEFAULT_QEMU_TARGET, buildQemuImages, checkQemuFleetBoard, qemuTargetFromFlag } from "./qemuTarget";
import { LiveOutput } from "./liveOutput";
import { loadSecrets, missingSecretHint } from "./secretSources";
import { FleetSummary } from "./fleetSummary";
import { statusTable, TABLE_ROWS_AT_MOST } from "./statusTable";
import { STATE_DIR_IN_USE } from "../local/broker";
import { appNameDeployNote } from "../core/contracts/awsNames";
import { stagesFromFlag } from "./stagesFlag";
import { DEFAULT_DEV_PORT } from "./commandSpecs";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

/** A thousand: an OTA job reaches the whole fleet in its first minute only up to its rollout
 * rate, and AWS IoT Jobs allows at most 1,000 executions per minute (`maximumPerMinute`,
 * core/jobs/jobBook.ts), so a larger local fleet would show an update slower than the cloud's
 * own limit; and memory grows about 1 MB per device with shared threads (README "A thousand
 * devices"). */
export const MAX_DEVICES = 1000;
const RUNTIME_WORDS: Record<DeviceRuntime, string> = { typescript: "simulated", native: "native", qemu: "emulated Cortex-M33 (QEMU)" };
/** Ctrl-C or --seconds ends everything within this, whatever the apps do (devSession.ts budgets it). */
const STOP_LIMIT_MS = 5000;

export async function devCommand({ values, positionals }: Parsed): Promise<void> {
  const entry = positionals[0];
  if (!entry || positionals.length > 1) throw new UsageError("dev takes one entry file, e.g. snapfleet dev features/app.ts");
  const devices = wholeNumber(values.devices, "--devices", 3, 1, MAX_DEVICES);
  const port = wholeNumber(values.port, "--port", DEFAULT_DEV_PORT, 0, 65533);
  const stages = values.stages === undefined ? undefined : stagesFromFlag(String(values.stages));
  const seconds = values.seconds === undefined ? undefined : wholeNumber(values.seconds, "--seconds", 0, 1, 86_400);
  const stateDir = usableStateDir(path.resolve((values["state-dir"] as string | undefined) ?? ".snapfleet"));
  const board = boardFromFlag(values.board);
  const secretsFile = values["secrets-file"] as string | undefined;
  const pinSpecs = (values.pin as string[] | undefined) ?? [];
  pinModelsFromFlags(pinSpecs, board); // a bad spec is a usage error now, not in every device's thread
  const deviceRuntime = (values["device-runtime"] as string | undefined) ?? "typescript";
  if (!DEVICE_RUNTIMES.includes(deviceRuntime as DeviceRuntime)) throw new UsageError(`--device-runtime must be ${DEVICE_RUNTIMES.slice(0, -1).join(", ")} or ${DEVICE_RUNTIMES.at(-1)}, got ${deviceRuntime}`);
  // Every flag checked before anything is built.
  const qemuTarget = qemuTargetFromFlag(values["device-target"], "--device-target", deviceRuntime, "--device-runtime");
  if (qemuTarget) checkQemuFleetBoard(board.name, qemuTarget);
  // Native devices run the program of this checkout: build it now (or find it up to date), so a
  // missing compiler or library is said before anything starts.
  const nativeBinary = deviceRuntime === "native" ? buildFirmwareProgram("posix", { quietWhenUpToDate: true }) : undefined;
  // Emulated boards: QEMU first (installed with apt when root), then this checkout's image(s).
  const unavailable = qemuTarget ? qemuUnavailable() : undefined;
  if (unavailable) throw new CliError(unavailable);
  const qemuImages = qemuTarget ? buildQemuImages(qemuTarget) : undefined;

  let output: LiveOutput | undefined;
  const early: string[] = [];
  let quiet = false;
  // After "stopped", late lines of a halted device's agent would only confuse.
  const log = (line: string) => (quiet ? undefined : output ? output.log(line) : early.push(line));
  let session: DevSession;
  try {
    session = await DevSession.open({
      entry,
      app: values.app as string | undefined,
      board,
      // Read at every build: a value added to the file (or a mistake in it) counts at the next edit.
      secrets: () => loadSecrets(secretsFile, process.env),
      missingSecretHint: (names) => missingSecretHint(names, secretsFile),
      devices,
      port,
      stateDir,
      pinSpecs,
      deviceRuntime: deviceRuntime as DeviceRuntime,
      nativeBinary,
      qemuImage: qemuImages?.image,
      qemuNonSecureImage: qemuImages?.nonSecureImage,
      stages,
      log,
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "EADDRINUSE") throw new CliError(`port ${port}, ${port + 1} or ${port + 2} is in use: pick others with --port N (dashboard N, MQTT/TLS N+1, MQTT/WebSocket N+2)`);
    if (err.code === STATE_DIR_IN_USE) throw new CliError(`state dir ${path.relative(process.cwd(), stateDir) || "."} is in use by another snapfleet dev (or local cloud): stop that one, or pass --state-dir DIR for another`);
    throw e;
  }
  const { cloud } = session;
  const out = process.stdout;
  // From here on, the devices still starting or not, Ctrl-C, SIGTERM, a hang-up and --seconds
  // stop the session (DevSession.stop ends the start too), and so does a fleet none of which
  // started. Heard before the header is printed: a Ctrl-C on its heels would otherwise find no
  // handler and end the process at once (Node's default), with no clean stop.
  const stopAsked = new Promise<Error | undefined>((resolve) => {
    const finish = () => resolve(undefined);
    process.once("SIGINT", finish);
    process.once("SIGTERM", finish);
    // The terminal closed (an SSH session dropped, the window shut): stop as for Ctrl-C, so the
    // devices say "offline" and the broker's sessions are written, instead of Node's default of
    // ending at once. The terminal is gone: writes to it now fail (EIO), and must not end the stop.
    process.once("SIGHUP", () => {
      for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
      finish();
    });
    if (seconds !== undefined) setTimeout(finish, seconds * 1000).unref();
    session.fleetStarted.catch((e: Error) => resolve(e));
  });
  out.write(
    [
      `snapfleet dev: ${cloud.app}, ${devices} ${RUNTIME_WORDS[deviceRuntime as DeviceRuntime]} device${devices === 1 ? "" : "s"}${qemuTarget && qemuTarget !== DEFAULT_QEMU_TARGET ? ` (${qemuTarget})` : ""}, state in ${path.relative(process.cwd(), stateDir) || "."}`,
      cloud.dashboard ? `dashboard  ${cloud.dashboard.url}` : "dashboard  (not built: run npm run build)",
      ...(cloud.dashboard ? [`operator   ${cloud.dashboard.operatorUrl}  (may also cancel jobs, approve devices, change settings)`] : []),
      `mqtt/tls   mqtts://127.0.0.1:${cloud.broker.mqttsPort}  (CA ${path.relative(process.cwd(), cloud.broker.pki.caCertPath)})`,
      `edit ${path.relative(process.cwd(), path.dirname(path.resolve(entry))) || "."}/ to rebuild and OTA-update the fleet; Ctrl-C stops`,
      "",
    ].join("\n") + "\n",
  );
  // In a pipe or CI log the table is printed again only when a device's state changes, not
  // for every reading.
  const progress = () => session.startProgress();
  const fleetState = () => {
    const { starting, waiting } = progress();
    return [...cloud.monitor.devices().map((d) => `${d.thing} ${d.online} ${d.version} ${d.ota}`), ...starting, waiting].join("\n");
  };
  // A large fleet: counts and the latest changes, not a row per device.
  const summary = devices > TABLE_ROWS_AT_MOST ? new FleetSummary() : undefined;
  output = summary
    ? new LiveOutput(out, () => summary.render(cloud.monitor.rowsUnordered(), Date.now(), progress()), () => summary.counts(cloud.monitor.rowsUnordered(), progress()))
    : new LiveOutput(out, () => statusTable(cloud.monitor.devices(), Date.now(), progress()), fleetState);
  for (const line of early.splice(0)) output.log(line);
  const deployNote = appNameDeployNote(cloud.app);
  if (deployNote) output.log(deployNote);
  const ticker = setInterval(() => output!.refresh(), 1000);
  const failedStart = await stopAsked;

  // A second Ctrl-C, or a stop that overruns its budget, ends the process at once.
  const forceExit = (why: string) => {
    out.write(`${why}; exiting\n`);
    process.exit(1);
  };
  process.once("SIGINT", () => forceExit("interrupted again"));
  process.once("SIGTERM", () => forceExit("terminated again"));
  process.once("SIGHUP", () => forceExit("hung up again"));
  setTimeout(() => forceExit(`stop took longer than ${STOP_LIMIT_MS / 1000} s`), STOP_LIMIT_MS).unref();
  clearInterval(ticker);
  output.refresh();
  out.write("stopping: devices, jobs, artifacts, dashboard, broker\n");
  await session.stop();
  quiet = true;
  out.write("stopped\n");
  // Nothing may keep the process alive now: a halted device's OTA agent still counting down the
  // grace period of an install it will never confirm.
  setTimeout(() => process.exit(), 200).unref();
  if (failedStart) throw new CliError(failedStart.message);
}

export function wholeNumber(value: unknown, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${value}`);
  return n;
}
