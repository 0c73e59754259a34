import fs from "node:fs";
import { CliError } from "./cliError";

/** Environment variable that holds a secret's value: SNAPFLEET_SECRET_WIFI_PASSWORD for
 * "wifi-password". Environment or a file, not flags: flags show up in `ps` and shell history. */
export function secretEnvName(name: string): string {
  return `SNAPFLEET_SECRET_${name.toUpperCase().replace(/-/g, "_")}`;
}

/** Secret values from a JSON file ({"name": "value"}), overridden by environment variables. */
export function loadSecrets(file: string | undefined, env: NodeJS.ProcessEnv, names: string[] = []): Record<string, string | undefined> {
  const secrets: Record<string, string | undefined> = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new CliError(`--secrets-file ${file}: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new CliError(`--secrets-file ${file}: expected a JSON object {"secret-name": "value"}`);
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== "string") throw new CliError(`--secrets-file ${file}: the value of "${k}" must be a string`);
      secrets[k] = v;
    }
  }
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith("SNAPFLEET_SECRET_") || value === undefined) continue;
    const name = names.find((n) => secretEnvName(n) === key) ?? key.slice("SNAPFLEET_SECRET_".length).toLowerCase().replace(/_/g, "-");
    secrets[name] = value;
  }
  return secrets;
}

/** What to do about missing secrets; with the `--secrets-file` the command was given, that file is
 * where to add them (telling someone who passed it to "pass --secrets-file" would mislead). */
export function missingSecretHint(names: string[], file?: string): string {
  const entries = `{${names.map((n) => `"${n}": "..."`).join(", ")}}`;
  const env = `set ${names.map(secretEnvName).join(", ")} in the environment`;
  return file ? `add ${entries} to ${file}, or ${env}` : `${env}, or pass --secrets-file FILE with ${entries}`;
}
