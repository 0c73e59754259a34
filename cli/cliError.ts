/** An error the user can fix (bad flag value, missing file); printed without a stack. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** Wrong command-line usage; printed with the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Why a folder the user named can't be made or written, in words: a file where a folder
 * belongs (EEXIST/ENOTDIR), no permission, else the system's message. */
export function folderProblem(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "EEXIST" || code === "ENOTDIR") return "it (or a folder above it) is a file, not a folder";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return "it can't be written here";
  return (e as Error).message;
}
