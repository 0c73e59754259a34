/** Stands in for node:fs, node:path and node:v8 in the browser bundle. Some core modules the dashboard
 * needs sit next to build-time code that reads files (wasmEngine reads microvium.wasm when no
 * bytes are passed). The page never takes those paths, but their imports and module-level
 * `path.join` still run, so path.join works and anything touching the file system fails loudly. */
function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser (build-time code reached the dashboard bundle)`);
}

export function join(...parts: string[]): string {
  return parts.join("/");
}

export function existsSync(): boolean {
  return false;
}

export function readFileSync(): never {
  return unavailable("fs.readFileSync");
}

export function readdirSync(): never {
  return unavailable("fs.readdirSync");
}

export default { join, existsSync, readFileSync, readdirSync };

export function setFlagsFromString(): never {
  return unavailable("v8.setFlagsFromString");
}
