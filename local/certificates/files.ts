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

/** Folders this process has made (or is making) for locks and new files: once each, not once
 * per lock or file (a 1,000-device first start writes 2,000 files in one folder, all at once). */
const madeDirs = new Map<string, Promise<void>>();
function makeDir(dir: string): Promise<void> {
  const made = fs.mkdir(dir, { recursive: true, mode: 0o700 }).then(() => undefined);
  madeDirs.set(dir, made);
  made.catch(() => madeDirs.delete(dir));
  return made;
}

/** Write-then-rename, so a reader sees the old file or the new one, never half of one. Callers
 * write under `withLock`, which has made the directory (the lock sits next to the file). */
export async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeWithMode(temporary, content, mode, "w");
  await fs.rename(temporary, file);
}

/** Creates `file` in place when it doesn't exist yet (no temporary file, no rename: a
 * 1,000-device first start writes 2,000 of them), else replaces it as writeAtomically does.
 * A reader may find a new file half written, so only for files whose readers check what they
 * read and then wait for the lock the writer holds (the PKI's key and certificate pairs: a
 * pair that doesn't verify sends its reader to the lock, see localPki's loadOrIssue). */
export async function createOrReplace(file: string, content: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  await (madeDirs.get(dir) ?? makeDir(dir));
  for (let attempt = 0; ; attempt++) {
    try {
      return await writeWithMode(file, content, mode, "wx");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return await writeAtomically(file, content, mode);
      // The folder was removed since this process made it (someone starting over): again, once.
      if (code !== "ENOENT" || attempt > 0) throw error;
      await makeDir(dir);
    }
  }
}

/** A new file's mode is filtered by the umask: it is set again only when the umask took
 * something away (not with the usual 022 and these modes), saving a call per file. */
async function writeWithMode(file: string, content: string, mode: number, flag: "w" | "wx"): Promise<void> {
  await fs.writeFile(file, content, { mode, flag });
  if ((mode & process.umask()) !== 0) await fs.chmod(file, mode);
}

const LOCK_RETRY_MS = 20;
/** Issuing takes well under a second; a lock this old was left by a process that died. */
const STALE_LOCK_MS = 30_000;

/** Runs `action` while holding the lock directory `lock` (mkdir is atomic wherever Node runs).
 * One lock per file pair, so issuing certificates for many things at once doesn't queue up. */
export async function withLock<T>(lock: string, action: () => Promise<T>): Promise<T> {
  const dir = path.dirname(lock);
  await (madeDirs.get(dir) ?? makeDir(dir));
  for (;;) {
    try {
      await fs.mkdir(lock);
      break;
    } catch (error) {
      // The folder was removed since this process made it (someone starting over): again.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        await makeDir(dir);
        continue;
      }
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
