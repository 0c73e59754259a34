import path from "node:path";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import type { SourceLocation } from "./errors";

/** Maps positions in generated code (the bundle, or the lowered bundle) back to the author's
 * files, so errors point at their code and not at ours. */
export class SourceMapper {
  private readonly map: TraceMap;

  constructor(map: object | string, private readonly cwd: string) {
    this.map = new TraceMap(map as ConstructorParameters<typeof TraceMap>[0]);
  }

  /** line 1-based, column 0-based (Babel/source-map convention) → 1-based column for display. */
  toOriginal(line: number, column: number): SourceLocation | undefined {
    const pos = originalPositionFor(this.map, { line, column });
    if (pos.source === null || pos.line === null || pos.column === null) return undefined;
    const file = path.isAbsolute(pos.source) ? pos.source : path.resolve(this.cwd, pos.source);
    return { file: path.relative(this.cwd, file) || file, line: pos.line, column: pos.column + 1 };
  }
}
