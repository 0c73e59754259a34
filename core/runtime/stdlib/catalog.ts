import fs from "node:fs";
import path from "node:path";
import { HostId } from "../hostIds";
import { StdlibHostId } from "./hostIds";
import { PRIMITIVE_METHODS, primitiveMethodHelper } from "./primitiveMembers";

/** One installable unit of the in-VM standard library: a few lines of Microvium JavaScript. */
export interface StdlibPiece {
  /** "Math.floor", "Array.prototype.map", "__sf_len", "internal:toStr", "host:StrLen", ... */
  name: string;
  /** Pieces that must be evaluated before this one. */
  needs: string[];
  /** Module-level names the piece exports; each becomes a VM global of the same name. */
  exports: string[];
  source: string;
}

/** The piece files: hand-written Microvium JS, split into pieces by `//# piece <name> [needs ...]`
 * lines. Read with fs (relative to this file) like core/runtime/vm/runtime.mvm.js, so a build
 * must copy `*.mvm.js` next to the compiled JS. */
const PIECE_FILES = ["lowering.mvm.js", "string.mvm.js", "array.mvm.js", "math.mvm.js", "errors.mvm.js", "globals.mvm.js", "collections.mvm.js"];
const PIECES_DIR = path.join(__dirname, "pieces");
const PIECE_HEADER = /^\/\/# piece (\S+)(?: needs (.+))?$/;
const EXPORT_LINE = /^export (?:const|let|function|class) ([A-Za-z_$][\w$]*)/gm;

let cached: ReadonlyMap<string, StdlibPiece> | undefined;

/** Every piece by name, in a valid evaluation order (a piece's needs may come later in the map;
 * installStdlib orders them). */
export function stdlibCatalog(): ReadonlyMap<string, StdlibPiece> {
  if (cached) return cached;
  const pieces = new Map<string, StdlibPiece>();
  const add = (piece: StdlibPiece) => {
    if (pieces.has(piece.name)) throw new Error(`internal: stdlib piece ${piece.name} defined twice`);
    pieces.set(piece.name, piece);
  };
  for (const piece of hostImportPieces()) add(piece);
  for (const file of PIECE_FILES) {
    for (const piece of parsePieceFile(fs.readFileSync(path.join(PIECES_DIR, file), "utf8"), file)) add(piece);
  }
  for (const piece of primitiveMethodPieces(pieces)) add(piece);
  for (const piece of pieces.values()) {
    for (const need of piece.needs) {
      if (!pieces.has(need)) throw new Error(`internal: stdlib piece ${piece.name} needs unknown piece ${need}`);
    }
  }
  cached = pieces;
  return pieces;
}

export function parsePieceFile(text: string, file: string): StdlibPiece[] {
  const pieces: StdlibPiece[] = [];
  let current: { name: string; needs: string[]; lines: string[] } | undefined;
  const finish = () => {
    if (!current) return;
    const source = current.lines.join("\n").trim() + "\n";
    const exports = [...source.matchAll(EXPORT_LINE)].map((m) => m[1]);
    pieces.push({ name: current.name, needs: current.needs, exports, source });
  };
  for (const line of text.split("\n")) {
    const header = PIECE_HEADER.exec(line.trim());
    if (header) {
      finish();
      current = { name: header[1], needs: header[2] ? header[2].trim().split(/\s+/) : [], lines: [] };
    } else if (current) {
      current.lines.push(line);
    } else if (line.trim() !== "" && !line.trim().startsWith("//")) {
      throw new Error(`internal: ${file}: code before the first //# piece line`);
    }
  }
  finish();
  return pieces;
}

/** Feature-runtime host functions the library calls too; every host serves them already
 * (Now: the supervisor's clock on a device). */
const RUNTIME_HOST_IMPORTS = { Now: HostId.Now } as const;

/** `host:StrLen` → `const h_StrLen = vmImport(100);`. vmImport runs while the library module is
 * evaluated (Microvium resolves imports at build time only). */
function hostImportPieces(): StdlibPiece[] {
  return [...Object.entries(StdlibHostId), ...Object.entries(RUNTIME_HOST_IMPORTS)]
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .map(([name, id]) => ({ name: `host:${name}`, needs: [], exports: [], source: `const h_${name} = vmImport(${id});\n` }));
}

/** The uniform string/number method helpers, one line each, generated from PRIMITIVE_METHODS. */
function primitiveMethodPieces(existing: ReadonlyMap<string, StdlibPiece>): StdlibPiece[] {
  const out: StdlibPiece[] = [];
  for (const [method, spec] of PRIMITIVE_METHODS) {
    if (spec.host === undefined) continue;
    const helper = primitiveMethodHelper(method);
    const hostName = StdlibHostId[spec.host];
    const params = ["a", "b"].slice(0, spec.arity);
    const args = params.join(", ");
    const arrayPiece = `Array.prototype.${method}`;
    out.push({
      name: helper,
      needs: [`host:${hostName}`, ...(existing.has(arrayPiece) ? [arrayPiece] : [])],
      exports: [helper],
      source:
        `export function ${helper}(${["x", ...params].join(", ")}) {\n` +
        `  return typeof x === "${spec.receiver}" ? h_${hostName}(${["x", ...params].join(", ")}) : x.${method}(${args});\n` +
        `}\n`,
    });
  }
  return out;
}

/** Names of the Array.prototype methods the library can install. */
export function arrayMethodNames(): Set<string> {
  const names = new Set<string>();
  for (const name of stdlibCatalog().keys()) {
    if (name.startsWith("Array.prototype.")) names.add(name.slice("Array.prototype.".length));
  }
  return names;
}
