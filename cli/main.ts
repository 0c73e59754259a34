import { parseArgs } from "node:util";
import { buildCommand } from "./buildCommand";
import { runDeviceCommand } from "./runDeviceCommand";
import { UsageError } from "./cliError";
import { dashboardLinkCommand } from "./dashboardLinkCommand";
import { devCommand } from "./devCommand";
import { DEFAULT_INSTRUCTION_BUDGET } from "../core/engine/types";

const USAGE = `snapfleet — one feature, written once, on device, cloud and dashboard

usage:
  snapfleet dev <entry.ts> [--devices 3] [--port 8080] [--state-dir .snapfleet]
                [--secrets-file FILE] [--pin A2=sine:20:30] [--seconds N]
      the whole system locally: broker (mutual TLS on port+1, WebSocket on port+2), IoT
      Jobs, artifact store, dashboard on port, simulated devices updated over the air;
      edits rebuild and roll out a new OTA job; Ctrl-C stops
  snapfleet build <entry.ts> --out <dir> [--app NAME] [--secrets-file FILE]
      compile the features: writes manifest.json, device.snap, web.snap, server.snap
      secret values come from --secrets-file (JSON {"name": "value"}) or environment
      variables SNAPFLEET_SECRET_<NAME> (name upper-cased, '-' as '_')
  snapfleet run-device <dir> [--seconds N] [--pin A2=sine:20:30] [--thing NAME]
                       [--instruction-budget N]
      run the device snapshot on a simulated board; prints each outgoing message as a
      JSON line on stdout, app logs on stderr; a callback running more than N bytecode
      instructions (default ${DEFAULT_INSTRUCTION_BUDGET}, 0 = no limit) is stopped with an error
      pin models: PIN=sine:MIN:MAX[:PERIOD_S], PIN=const:VALUE, PIN=csv:FILE (seconds,value)
  snapfleet dashboard-link --url <dashboardUrl> --app NAME [--hours 12]
      print a link to a deployed dashboard; the key comes from SNAPFLEET_DASHBOARD_KEY
      (pulumi stack output dashboardTokenKey --show-secrets)
`;

/** Entry point of the `snapfleet` command. Errors a user can cause are printed without a
 * stack trace and exit with status 1. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "dev":
        await devCommand(
          parse(rest, {
            devices: { type: "string" },
            port: { type: "string" },
            "state-dir": { type: "string" },
            "secrets-file": { type: "string" },
            app: { type: "string" },
            pin: { type: "string", multiple: true },
            seconds: { type: "string" },
          }),
        );
        return;
      case "build":
        await buildCommand(parse(rest, { out: { type: "string" }, app: { type: "string" }, "secrets-file": { type: "string" } }));
        return;
      case "run-device":
        await runDeviceCommand(parse(rest, { seconds: { type: "string" }, pin: { type: "string", multiple: true }, thing: { type: "string" }, "instruction-budget": { type: "string" } }));
        return;
      case "dashboard-link": // mint a link to a deployed dashboard (cli/dashboardLinkCommand.ts)
        return void process.stdout.write(dashboardLinkCommand(parse(rest, { url: { type: "string" }, app: { type: "string" }, hours: { type: "string" } })) + "\n");
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    const err = e as Error;
    const userFacing = ["UsageError", "CliError", "FeatureCompileError", "MissingSecretsError"].includes(err.name);
    process.stderr.write(`snapfleet ${command ?? ""}: ${userFacing ? err.message : err.stack}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${USAGE}`);
    process.exitCode = 1;
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parse(args: string[], options: Options) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
