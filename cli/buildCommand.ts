import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { writeBuild } from "../core/contracts/buildOutput";
import { appNameDeployNote } from "../core/contracts/awsNames";
import { describeBuild } from "./format";
import { loadSecrets, missingSecretHint } from "./secretSources";
import { CliError, UsageError, folderProblem } from "./cliError";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

export async function buildCommand({ values, positionals }: Parsed): Promise<void> {
  const entry = positionals[0];
  if (!entry || positionals.length > 1) throw new UsageError("build takes one entry file, e.g. snapfleet build features/app.ts --out build/");
  const out = (values.out as string | undefined) ?? "build";
  const started = performance.now();
  const result = await compileFeatures({
    entry,
    app: values.app as string | undefined,
    board: values.board as string | undefined,
    secrets: loadSecrets(values["secrets-file"] as string | undefined, process.env),
    missingSecretHint: (names: string[]) => missingSecretHint(names, values["secrets-file"] as string | undefined),
  });
  try {
    writeBuild(out, result);
  } catch (e) {
    throw new CliError(`can't write the build to ${out}: ${folderProblem(e)}; pass a folder with --out DIR (e.g. --out build/)`);
  }
  process.stdout.write(describeBuild(result.manifest, path.normalize(out).replace(/[\\/]+$/, "")) + `  (${Math.round(performance.now() - started)} ms)\n`);
  const note = appNameDeployNote(result.manifest.app);
  if (note) process.stderr.write(`${note}\n`);
}
