/** A construct in the bundle that the lowering can't turn into something Microvium runs.
 * line (1-based) and column (0-based) are positions in the lowering's INPUT (the esbuild bundle);
 * the caller maps them to the author's file through the bundle's source map. */
export class LoweringError extends Error {
  constructor(
    message: string,
    public readonly line: number,
    public readonly column: number,
    public readonly hint: string,
  ) {
    super(message);
    this.name = "LoweringError";
  }
}
