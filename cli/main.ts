import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { packageRoot } from "../components/packageRoot";
import { buildCommand } from "./buildCommand";
import { runDeviceCommand } from "./runDeviceCommand";
import { UsageError } from "./cliError";
import { COMMANDS, commandSpec, commandUsage, overallUsage, type CommandSpec } from "./commandSpecs";
import { dashboardLinkCommand } from "./dashboardLinkCommand";
import { devCommand } from "./devCommand";
import { firmwareCommand } from "./firmwareCommand";
import { claimCommand } from "./claimCommand";
import { devicesCommand } from "./devicesCommand";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

const RUN: Record<string, (parsed: Parsed) => Promise<void> | void> = {
  dev: devCommand,
  build: buildCommand,
  "run-device": runDeviceCommand,
  firmware: firmwareCommand,
  // mint a link to a deployed dashboard (cli/dashboardLinkCommand.ts)
  "dashboard-link": (parsed) => void process.stdout.write(dashboardLinkCommand(parsed) + "\n"),
  // onboarding by claim (cli/claimCommand.ts, cli/devicesCommand.ts)
  claim: async (parsed) => void process.stdout.write((await claimCommand(parsed)) + "\n"),
  devices: async (parsed) => void process.stdout.write((await devicesCommand(parsed)) + "\n"),
};

/** Entry point of the `snapfleet` command. Errors a user can cause are printed without a
 * stack trace and exit with status 1; help goes to stdout and exits 0. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const spec = command === undefined ? undefined : commandSpec(command);
  try {
    if (command === undefined || command === "--help" || command === "-h") return void process.stdout.write(overallUsage());
    if (command === "help") return void process.stdout.write(helpFor(rest));
    if (command === "--version" || command === "-v") return void process.stdout.write(`snapfleet ${JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version}\n`);
    if (!spec) throw new UsageError(unknownCommand(command));
    const parsed = parse(rest, spec);
    if (parsed.values.help) return void process.stdout.write(commandUsage(spec));
    await RUN[spec.name](parsed);
  } catch (e) {
    const err = e as Error;
    const userFacing = ["UsageError", "CliError", "FeatureCompileError", "MissingSecretsError"].includes(err.name);
    process.stderr.write(`snapfleet ${command ?? ""}: ${userFacing ? err.message : err.stack}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${spec ? commandUsage(spec) : overallUsage()}`);
    process.exitCode = 1;
  }
}

/** `snapfleet help [command]`. */
function helpFor(args: string[]): string {
  if (args.length === 0) return overallUsage();
  const spec = commandSpec(args[0]);
  if (!spec) throw new UsageError(unknownCommand(args[0]));
  if (args.length > 1) throw new UsageError(`help takes one command name, got ${args.join(" ")}`);
  return commandUsage(spec);
}

function unknownCommand(name: string): string {
  return `unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(", ")}`;
}

function parse(args: string[], spec: CommandSpec): Parsed {
  const options: NonNullable<Parameters<typeof parseArgs>[0]>["options"] = { help: { type: "boolean", short: "h" } };
  for (const [name, o] of Object.entries(spec.options)) options[name] = o.value ? { type: "string", multiple: o.multiple === true } : { type: "boolean" };
  try {
    return parseArgs({ args: negativeValuesJoined(args, spec), options, allowPositionals: true, strict: true });
  } catch (e) {
    const unknown = (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /'([^']+)'/.exec((e as Error).message)?.[1] : undefined;
    throw new UsageError(unknown ? `unknown option ${unknown}; ${spec.name} takes the options below` : (e as Error).message);
  }
}

/** `--devices -1` as `--devices=-1`: node's parseArgs calls a value starting with "-" ambiguous,
 * so the user heard about option syntax instead of the value's range, which the command checks. */
function negativeValuesJoined(args: string[], spec: CommandSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return [...out, ...args.slice(i)];
    const takesValue = arg.startsWith("--") && spec.options[arg.slice(2)]?.value;
    if (takesValue && /^-\d/.test(args[i + 1] ?? "")) out.push(`${arg}=${args[++i]}`);
    else out.push(arg);
  }
  return out;
}
