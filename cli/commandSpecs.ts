import { DEFAULT_INSTRUCTION_BUDGET } from "../core/engine/types";
import { DEFAULT_LOCAL_CLOUD_PORT } from "../local/cloud/defaultPort";
/** Every command's arguments, options and help text, in one place: `main.ts` parses with them,
 * and `snapfleet --help`, `snapfleet <command> --help` and usage errors print them. */

/** `snapfleet dev`'s dashboard port: the local cloud's default. */
export const DEFAULT_DEV_PORT = DEFAULT_LOCAL_CLOUD_PORT;

export interface OptionSpec {
  /** Shown after the flag, e.g. "N" in `--devices N`; absent for a boolean flag. */
  value?: string;
  multiple?: boolean;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** Positional arguments as shown in the synopsis, e.g. "<entry.ts>". */
  args: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Lines after the option list. */
  notes?: string[];
}

const BOARD: OptionSpec = { value: "NAME|FILE.json", help: `the board the app runs on: "simulated" (default), "esp32-devkitc", "nano-33-iot" or a JSON board file; pins are checked against it` };
const SECRETS_FILE: OptionSpec = { value: "FILE", help: `secret values as JSON {"name": "value"}; else environment variables SNAPFLEET_SECRET_<NAME> (name upper-cased, '-' as '_')` };
const PIN: OptionSpec = { value: "PIN=MODEL", multiple: true, help: "what an analog input reads: PIN=sine:MIN:MAX[:PERIOD_S], PIN=const:VALUE, PIN=csv:FILE (rows of seconds,value); repeatable" };
const APP: OptionSpec = { value: "NAME", help: "app name (topics, policies, job ids); default: the folder holding features/, else the nearest package.json's name" };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "dev",
    args: "<entry.ts>",
    summary:
      "the whole system locally: broker (mutual TLS on port+1, WebSocket on port+2), IoT Jobs, artifact store, dashboard on port, simulated devices updated over the air; edits rebuild and roll out a new OTA job; Ctrl-C stops",
    options: {
      devices: { value: "N", help: "simulated devices, 1-1000 (default 3; above 20 their apps share threads)" },
      port: { value: "P", help: `dashboard port; MQTT over TLS on P+1, over WebSocket on P+2; 0 = free ports (default ${DEFAULT_DEV_PORT})` },
      "state-dir": { value: "DIR", help: "CA and certificates, artifacts, each device's OTA slots (default .snapfleet)" },
      "secrets-file": SECRETS_FILE,
      app: APP,
      board: BOARD,
      pin: PIN,
      "device-runtime": { value: "typescript|native|qemu", help: "what runs each device: simulated in this process (typescript, default), a native device process each (native: build/firmware/posix/snapfleet-device, built by snapfleet firmware build --target posix) or an emulated Cortex-M33 board each (qemu: qemu-system-arm -M mps2-an505 running build/firmware/cortex-m33/snapfleet-device.elf, linked over its UART to a network co-processor process of its own on this machine that holds the device's certificate and speaks MQTT/TLS, Jobs and HTTPS for it; built first when its sources changed; --device-target chooses another build)" },
      "device-target": { value: "TARGET", help: "with --device-runtime qemu, the build each emulated board runs: cortex-m33 (default, the plain image), cortex-m33-tz (the TrustZone build with the device program non-secure, the link's UART, storage and randomness secure) or cortex-m33-tz-supervisor (the TrustZone build with the supervisor, OTA agent, link and storage secure and the engine non-secure); QEMU loads a TrustZone build's two images. Each is the simulated board: with another --board the boards would refuse every update, so that is a usage error" },
      stages: { value: "P/M,…,100", help: "roll each new version out in stages, as FeatureApp's ota.stages does on AWS: PERCENT of the fleet, then WAIT_MINUTES watching it, …, the last 100 (e.g. 10/1,50/1,100; a stage whose failures reach 50% of at least 3 devices halts the rollout; docs/staged-rollouts.md)" },
      seconds: { value: "N", help: "stop N seconds after the dashboard address is printed (the devices started or not)" },
    },
  },
  {
    name: "build",
    args: "<entry.ts>",
    summary: "compile the features: writes manifest.json, device.snap, web.snap, server.snap",
    options: {
      out: { value: "DIR", help: "where to write the build (default build)" },
      app: APP,
      board: BOARD,
      "secrets-file": SECRETS_FILE,
    },
  },
  {
    name: "firmware",
    args: "build",
    summary: "build the native device program with this machine's C compiler: --target posix writes build/firmware/posix/snapfleet-device (a missing compiler or library is named with its Debian package, installed with apt-get when running as root)",
    options: {
      target: { value: "TARGET", help: "what to build for, one of posix, cortex-m33, cortex-m33-tz, cortex-m33-tz-supervisor, cortex-m0plus: posix (a native device process on this machine), cortex-m33 (a bare-metal image for QEMU's mps2-an505 board, run by run-device --runtime qemu), cortex-m33-tz (the same program as the non-secure image of a TrustZone build, beside a secure image that starts it: snapfleet-device-secure.elf; firmware/native/README.md), cortex-m33-tz-supervisor (a TrustZone build with the supervisor secure: the program is the secure image, the engine the non-secure snapfleet-device-engine.elf; the app's host calls cross the boundary), cortex-m0plus (the Arduino Nano 33 IoT's core, size only); the Cortex-M builds print flash and RAM per part against firmware/native/sizeBudget.json" },
      force: { help: "rebuild even when no source changed" },
      app: { value: "DIR", help: "an image for one app alone (DIR: its snapfleet build output): only the host functions its device snapshot imports, manifests of its channel and pin counts; an update needing more is refused on the device (written to build/firmware/<target>/app-<name>/)" },
    },
  },
  {
    name: "run-device",
    args: "<dir>",
    summary: "run the device snapshot of a build on a simulated board (the board its manifest names); prints each outgoing message as a JSON line on stdout, app logs and pin writes on stderr",
    options: {
      seconds: { value: "N", help: "stop after N seconds (default: Ctrl-C)" },
      pin: PIN,
      thing: { value: "NAME", help: "the device's thing name (default sim-1)" },
      "instruction-budget": { value: "N", help: `bytecode instructions one callback may run before it is stopped with an error (default ${DEFAULT_INSTRUCTION_BUDGET.toLocaleString("en-US")}; 0 = no limit)` },
      runtime: { value: "typescript|native|qemu", help: "what runs the device: the TypeScript device in this process (typescript, default), the native device program (native: build/firmware/posix/snapfleet-device, built first when its sources changed) or the Cortex-M33 image on an emulated board (qemu: qemu-system-arm -M mps2-an505, build/firmware/cortex-m33/snapfleet-device.elf, built first when its sources changed; --target chooses another build)" },
      target: { value: "TARGET", help: "with --runtime qemu, the build the emulated board runs: cortex-m33 (default, the plain image), cortex-m33-tz (the TrustZone build with the device program non-secure: QEMU loads the secure image that starts it beside it) or cortex-m33-tz-supervisor (the TrustZone build with the supervisor secure: QEMU loads its secure device program and its non-secure engine image, and every host call of the app crosses the boundary); the same lines on each" },
      script: { value: "FILE", help: "scripted mode: JSON lines drive the clock and the inputs ({\"advance\":MS}, {\"pin\":\"A2=const:3\"}, {\"deliver\":\"CHANNEL\",\"value\":V}, {\"link\":\"down\"|\"up\"}); the device prints everything it does as JSON lines, the same on both runtimes" },
    },
  },
  {
    name: "dashboard-link",
    args: "",
    summary: "print a link to a deployed dashboard; the key comes from SNAPFLEET_DASHBOARD_KEY (pulumi stack output dashboardTokenKey --show-secrets)",
    options: {
      url: { value: "URL", help: "the dashboard address (stack output dashboardUrl)" },
      app: { value: "NAME", help: "the app name" },
      hours: { value: "H", help: "how long the link works (default 12)" },
      role: { value: "ROLE", help: "viewer (default: watch, use the controls) or operator (also cancel jobs, approve devices, change settings)" },
    },
  },
  {
    name: "claim",
    args: "mint",
    summary: "write the claim certificate a batch of boards is flashed with: a board booting with it asks the local cloud for its own identity and waits as pending until an operator approves it (AWS IoT fleet provisioning by claim)",
    options: {
      batch: { value: "NAME", help: "the batch of boards (one claim per batch; made once, reused)" },
      "state-dir": { value: "DIR", help: "the local cloud's state dir, whose CA signs the claim (default .snapfleet)" },
      out: { value: "DIR", help: "also write claim.crt, claim.key and ca.crt there (for flashing)" },
    },
  },
  {
    name: "devices",
    args: "list | approve <serial> | deny <serial> | revoke <thing>",
    summary: "the boards that onboard by claim: list them (pending first), approve one (one board with that serial joins the next time it asks; approve again after it joined to let one more through), deny one (refused whenever it asks); revoke a thing's certificate for good (a lost or stolen board: a running snapfleet dev closes its connection within a second and it never connects again)",
    options: {
      "state-dir": { value: "DIR", help: "the local cloud's state dir (default .snapfleet)" },
    },
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

const WIDTH = 96;

/** `snapfleet <command> --help`. */
export function commandUsage(spec: CommandSpec): string {
  const flags = Object.entries(spec.options).map(([name, o]) => [`--${name}${o.value ? ` ${o.value}` : ""}`, o.help] as const);
  const column = Math.max(...flags.map(([f]) => f.length), "-h, --help".length) + 2;
  const lines = [`usage: ${synopsis(spec)}`, "", ...wrap(spec.summary, WIDTH, "  "), "", "options:"];
  for (const [flag, help] of [...flags, ["-h, --help", "print this help"] as const]) {
    const [first, ...rest] = wrap(help, WIDTH - column - 2, "");
    lines.push(`  ${flag.padEnd(column)}${first}`, ...rest.map((l) => `  ${" ".repeat(column)}${l}`));
  }
  for (const note of spec.notes ?? []) lines.push("", ...wrap(note, WIDTH, "  "));
  return lines.join("\n") + "\n";
}

/** `snapfleet --help`: every command's synopsis and summary. */
export function overallUsage(): string {
  const lines = ["snapfleet — one feature, written once, on device, cloud and dashboard", "", "usage:"];
  for (const spec of COMMANDS) lines.push(`  ${synopsis(spec)}`, ...wrap(spec.summary, WIDTH, "      "));
  lines.push("", "snapfleet <command> --help (or snapfleet help <command>) explains a command's options; snapfleet --version prints the version");
  return lines.join("\n") + "\n";
}

function synopsis(spec: CommandSpec): string {
  return ["snapfleet", spec.name, spec.args, Object.keys(spec.options).length ? "[options]" : ""].filter(Boolean).join(" ");
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}
