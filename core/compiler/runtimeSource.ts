import fs from "node:fs";
import path from "node:path";
import type { Target } from "../contracts/manifest";

const RUNTIME_SOURCE = fs.readFileSync(path.join(__dirname, "../runtime/vm/runtime.mvm.js"), "utf8");

/** `const NAME = <integer>;` at the start of a line, upper-case names only (the runtime's codes). */
const NUMERIC_CONSTANT = /^const ([A-Z][A-Z0-9_]*) = (-?\d+);[^\n]*\n/gm;

/** Replaces every use of the source's top-level upper-case integer constants by the number and
 * drops their declarations. Microvium keeps each top-level `const` as a global slot read with a
 * 3-byte instruction, while a small integer literal is 1 byte and needs no slot; this keeps the
 * runtime readable (named error codes) without paying for the names in every snapshot. */
export function inlineNumericConstants(source: string): string {
  const values = new Map<string, string>();
  const stripped = source.replace(NUMERIC_CONSTANT, (_line, name: string, value: string) => {
    if (values.has(name)) throw new Error(`internal: runtime constant ${name} is declared twice`);
    values.set(name, value);
    return "";
  });
  if (values.size === 0) return stripped;
  const uses = new RegExp(`\\b(${[...values.keys()].join("|")})\\b`, "g");
  // Parenthesized so a negative value can't merge with a neighbouring operator.
  return stripped.replace(uses, (name) => (values.get(name)!.startsWith("-") ? `(${values.get(name)})` : values.get(name)!));
}

/** The in-VM runtime as evaluated for one target. */
export function runtimeSourceFor(target: Target, source: string = RUNTIME_SOURCE): string {
  return `const TARGET = ${JSON.stringify(target)};\n${inlineNumericConstants(source)}`;
}
