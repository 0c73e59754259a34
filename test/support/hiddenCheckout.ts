/** Runs the unpacked package's CLI out of this checkout's reach. The test unpacks the tarball next
 * to the checkout's node_modules, so a path the packed code resolves into the checkout (its
 * build/, dist/, a source `files` leaves out, reached through node_modules' real path) would work
 * here and fail in a user's project. Where mount namespaces are allowed (root, or another user
 * where the kernel allows unprivileged user namespaces) every command runs in one of its own
 * where the checkout, and the checkout its node_modules links to if that is another, are covered
 * by an empty read-only tmpfs; the dependencies stay in reach through a bind mount at a path of
 * the test's. Elsewhere the commands run as they are, and `checkoutPathsIn` is the check left: a
 * firmware build names what it read in its ELF's debug information and its link map. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface HiddenCheckout {
  /** Why the checkout stays visible to the commands, or undefined when it is hidden. */
  visible: string | undefined;
  /** `command args` as run with the checkout hidden. */
  wrap(command: string, args: string[]): [string, string[]];
  /** Paths in the checkout(s) that `file` mentions, other than the dependencies. */
  checkoutPathsIn(file: string): string[];
}

/** Mounts the dependencies at $2, covers each of the $3 checkouts after them, runs the rest. */
const SCRIPT = `deps=$1; at=$2; n=$3; shift 3
mount --bind "$deps" "$at" || exit 97
while [ "$n" -gt 0 ]; do mount -t tmpfs -o ro,size=4k snapfleet-checkout-hidden "$1" || exit 97; shift; n=$((n - 1)); done
exec "$@"`;

/** Links `packageDir`/node_modules to the checkout's dependencies (to where the namespace mounts
 * them when the checkout is hidden) and says how to run commands; `scratch` holds the mount point
 * and the commands' files, outside the checkout. */
export function hideCheckout(root: string, packageDir: string, scratch: string): HiddenCheckout {
  const deps = fs.realpathSync(path.join(root, "node_modules"));
  const owner = path.dirname(deps); // /work/main when node_modules links to another checkout
  const checkouts = [...new Set([path.resolve(root), fs.realpathSync(root), ...(isSnapfleetCheckout(owner) ? [owner] : [])])];
  // Named node_modules: a dependency's own imports are resolved from its real path, upwards.
  const mountPoint = path.join(scratch, "dependencies", "node_modules");
  const inNamespace = (namespaces: string[]) => (command: string, args: string[]): [string, string[]] => ["unshare", [...namespaces, "--propagation", "private", "sh", "-c", SCRIPT, "sh", deps, mountPoint, String(checkouts.length), ...checkouts, command, ...args]];
  let wrapped = inNamespace([]);

  let visible = checkouts.find((dir) => isInside(fs.realpathSync(scratch), dir)) && `the temp folder ${scratch} is inside the checkout`;
  if (!visible) {
    fs.mkdirSync(mountPoint, { recursive: true });
    // Root mounts in a mount namespace of its own; another user first needs a user namespace
    // (where the kernel allows unprivileged ones), whose root maps to that user.
    for (const namespaces of [["--mount"], ["--user", "--map-root-user", "--mount"]]) {
      const [command, args] = inNamespace(namespaces)("test", ["!", "-e", path.join(root, "package.json")]);
      const probe = spawnSync(command, args, { encoding: "utf8" });
      visible = probe.error || probe.status !== 0 ? `no mount namespace here (${probe.error?.message ?? (probe.stderr.trim() || `status ${probe.status}`)})` : undefined;
      if (!visible) {
        wrapped = inNamespace(namespaces);
        break;
      }
    }
  }
  fs.symlinkSync(visible ? deps : mountPoint, path.join(packageDir, "node_modules"));
  return {
    visible,
    wrap: (command, args) => (visible ? [command, args] : wrapped(command, args)),
    checkoutPathsIn(file) {
      const text = fs.readFileSync(file, "latin1");
      const found = new Set<string>();
      for (const dir of checkouts) {
        for (const [mention] of text.matchAll(new RegExp(`${escape(dir)}/[^\\0\\s"']*`, "g"))) {
          if (!isInside(mention, deps) && !isInside(mention, path.join(dir, "node_modules"))) found.add(mention);
        }
      }
      return [...found];
    },
  };
}

function isSnapfleetCheckout(dir: string): boolean {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name === "snapfleet";
  } catch {
    return false;
  }
}

const isInside = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
