/** Errors a feature author can cause. Each says what was wrong, where (file:line:col in the
 * author's own source, 1-based column as editors show it) and what to do. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

export class FeatureCompileError extends Error {
  constructor(
    readonly problem: string,
    readonly location?: SourceLocation,
    readonly hint?: string,
  ) {
    super((location ? `${formatLocation(location)}: ` : "") + problem + (hint ? `\n  hint: ${hint}` : ""));
    this.name = "FeatureCompileError";
  }
}

/** Every required secret without a value, listed at once so one fix covers them all. */
export class MissingSecretsError extends FeatureCompileError {
  constructor(readonly missing: string[], hint: string) {
    super(`missing value for ${missing.length === 1 ? "secret" : "secrets"} ${missing.map((m) => `"${m}"`).join(", ")}`, undefined, hint);
    this.name = "MissingSecretsError";
  }
}
