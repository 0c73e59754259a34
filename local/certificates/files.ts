/** File handling for the PKI directory: atomic writes, private keys readable only by the owner,
 * and a lock so that two processes sharing a state dir (broker and a device simulator, say)
 * don't both create a CA or issue different certificates for one thing. */
import { promises as fs } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Write-then-rename, so a reader sees the old file or the new one, never half of one. Callers
 * write under `withLock`, which has made the directory (the lock sits next to the file). */
export async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(temporary, content, { mode });
  await fs.chmod(temporary, mode); // writeFile's mode is filtered by the umask
  await fs.rename(temporary, file);
}

const LOCK_RETRY_MS = 20;
/** Issuing takes well under a second; a lock this old was left by a process that died. */
const STALE_LOCK_MS = 30_000;

/** Runs `action` while holding the lock directory `lock` (mkdir is atomic wherever Node runs).
 * One lock per file pair, so issuing certificates for many things at once doesn't queue up. */
export async function withLock<T>(lock: string, action: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      await fs.mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await fs.stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await fs.rm(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
  }
  try {
    return await action();
  } finally {
    // Gone already only if another process took it for stale; the work is done either way.
    await fs.rmdir(lock).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
}
