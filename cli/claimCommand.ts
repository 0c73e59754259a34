/** `snapfleet claim mint --batch <name>`: the claim certificate a batch of boards is flashed
 * with (onboarding by claim, local cloud). Made once per batch by the state dir's CA and reused;
 * `--out DIR` also writes claim.crt, claim.key (owner-only) and ca.crt there for the flashing
 * station. The claim only lets a board ask for its own identity, which an operator approves with
 * `snapfleet devices approve <serial>`. On AWS, FeatureApp's `fleet.claimBatches` makes them. */
import { promises as fs } from "node:fs";
import path from "node:path";
import { checkName } from "../core/contracts/names";
import { provisioningTemplateName } from "../core/provisioning/claimApi";
import { ensureLocalPki } from "../local/certificates";
import { CliError, UsageError, folderProblem } from "./cliError";
import { usableStateDir } from "./stateDir";

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

export const DEFAULT_STATE_DIR = ".snapfleet";

export async function claimCommand({ values, positionals }: Parsed): Promise<string> {
  if (positionals.length !== 1 || positionals[0] !== "mint") throw new UsageError(`claim takes one action, mint (got ${positionals.join(" ") || "none"})`);
  const batch = values.batch as string | undefined;
  if (batch === undefined) throw new UsageError("claim mint needs --batch <name>: the batch of boards this claim is flashed on (e.g. --batch greenhouse-2026-03)");
  const problem = checkName("batch", batch);
  if (problem) throw new UsageError(`--batch: ${problem}`);
  const stateDir = (values["state-dir"] as string | undefined) ?? DEFAULT_STATE_DIR;
  const pki = await ensureLocalPki(usableStateDir(stateDir));
  const claim = await pki.claimIdentity(batch);
  const lines = [`claim of batch "${batch}"`, `  certificate  ${claim.certPath}`, `  key          ${claim.keyPath}  (secret: flash it, never publish it)`, `  CA           ${pki.caCertPath}`];
  const out = values.out as string | undefined;
  if (out !== undefined) {
    try {
      await fs.mkdir(out, { recursive: true });
      await fs.writeFile(path.join(out, "claim.crt"), claim.certPem);
      await fs.writeFile(path.join(out, "claim.key"), claim.keyPem, { mode: 0o600 });
      await fs.chmod(path.join(out, "claim.key"), 0o600);
      await fs.writeFile(path.join(out, "ca.crt"), pki.caCertPem);
    } catch (e) {
      throw new CliError(`can't write the claim to ${out}: ${folderProblem(e)}; pass a folder with --out DIR`);
    }
    lines.push(`wrote ${path.join(out, "claim.crt")}, claim.key, ca.crt`);
  }
  lines.push(
    `boards connect with client id sf-<app>-claim-<serial> and ask with template ${provisioningTemplateName("<app>")}; each appears as pending until`,
    `  snapfleet devices approve <serial> --state-dir ${stateDir}`,
  );
  return lines.join("\n");
}
