/** Names of apps, things, channels and secrets end up in MQTT topics, IoT policy ARNs and
 * Secrets Manager paths, so one rule serves all: lowercase letters, digits and `-`. */
export const NAME_MAX_LENGTH = 63;
export const NAME_PATTERN = new RegExp(`^[a-z0-9][a-z0-9-]{0,${NAME_MAX_LENGTH - 1}}$`);

/** Returns an error text for an invalid name, or undefined when the name is fine. */
export function checkName(kind: string, name: unknown): string | undefined {
  if (typeof name !== "string") return `${kind} name must be a string, got ${typeof name}`;
  if (!NAME_PATTERN.test(name)) {
    return `${kind} name ${JSON.stringify(name)} is invalid: use 1-${NAME_MAX_LENGTH} lowercase letters, digits and '-', starting with a letter or digit (for example "soil-moisture")`;
  }
  return undefined;
}
