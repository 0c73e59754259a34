import type { Microvium } from "microvium";
import { stdlibCatalog, type StdlibPiece } from "./catalog";

export { stdlibHostFunctions } from "./hostFunctions";
export { StdlibHostId } from "./hostIds";
export { stdlibCatalog, arrayMethodNames, type StdlibPiece } from "./catalog";
export { PRIMITIVE_METHODS, LENGTH_HELPER, INDEX_HELPER, primitiveMethodHelper } from "./primitiveMembers";

/** Debug file name of the library module inside the VM (shows in Microvium's error locations). */
export const STDLIB_FILE = "snapfleet-stdlib.js";

/** Evaluates the named pieces (and what they need) in the compile-time VM and makes their exports
 * VM globals; Array.prototype pieces extend the shared array prototype. Only these pieces exist
 * in the VM afterwards, so a snapshot carries only what the feature uses; `used` empty installs
 * nothing at all. Names come from lowerForMicrovium's `usedStdlib`. */
export function installStdlib(vm: Microvium, used: readonly string[]): void {
  if (used.length === 0) return;
  const pieces = resolveStdlibPieces(used);
  if (pieces.some((p) => p.name.startsWith("host:"))) vm.globalThis.vmImport = vm.vmImport;
  const ns = vm.evaluateModule({ sourceText: stdlibModuleSource(pieces), debugFilename: STDLIB_FILE });
  const exported = ns[EXPORTS_OBJECT];
  for (const piece of pieces) {
    for (const name of piece.exports) vm.globalThis[name] = exported[name];
  }
}

/** Name of the one export of the library module: an object holding every piece's exports. */
const EXPORTS_OBJECT = "__sf_stdlibExports";
const EXPORT_KEYWORD = /^export (?=const |let |function |class )/gm;

/** The pieces as one module whose declarations are plain module-level bindings, exported
 * together through one object at the end. Microvium reads an exported binding through the
 * module's namespace object, so one library function using another exported one (Math.round
 * calling Math.floor) would keep the namespace, and with it every installed export, reachable
 * from the snapshot; plain bindings are separate slots that only their users keep. */
export function stdlibModuleSource(pieces: readonly StdlibPiece[]): string {
  const names = pieces.flatMap((p) => p.exports);
  const entries = names.map((name) => `${name}: ${name}`).join(", ");
  return `${stdlibSource(pieces).replace(EXPORT_KEYWORD, "")}export const ${EXPORTS_OBJECT} = { ${entries} };
`;
}

/** The pieces to evaluate for `used`, each after the pieces it needs. */
export function resolveStdlibPieces(used: readonly string[]): StdlibPiece[] {
  const catalog = stdlibCatalog();
  const ordered: StdlibPiece[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, neededBy?: string) => {
    const piece = catalog.get(name);
    if (!piece) throw new Error(`unknown standard library piece "${name}"${neededBy ? ` (needed by ${neededBy})` : ""}`);
    const s = state.get(name);
    if (s === "done") return;
    if (s === "visiting") throw new Error(`internal: standard library pieces depend on each other in a cycle at ${name}`);
    state.set(name, "visiting");
    for (const need of piece.needs) visit(need, name);
    state.set(name, "done");
    ordered.push(piece);
  };
  for (const name of [...used].sort()) visit(name);
  return ordered;
}

export function stdlibSource(pieces: readonly StdlibPiece[]): string {
  return pieces.map((p) => `// ${p.name}\n${p.source}`).join("");
}
