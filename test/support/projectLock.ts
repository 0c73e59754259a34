/** A package-lock.json for a fresh project, cut out of this repository's own lock, so that the
 * project installs with `npm install --offline` from the npm cache that `npm ci` filled: with a
 * lock, npm needs only the tarballs (cached by `npm ci`), not the registry's package metadata
 * (which `npm ci` never fetches). Same versions as the repository uses, no network. */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface Lock {
  packages: Record<string, LockEntry>;
}

export interface ProjectLockOptions {
  /** The repository whose package-lock.json provides every third-party package. */
  repoRoot: string;
  name: string;
  /** Registry packages wanted at the project's top level, as given to `npm install`: a name, or
   * name@range; the version installed is the lock's, the range saved is the one given or ^version. */
  dependencies: string[];
  devDependencies: string[];
  /** A local package tarball (`npm pack` output) in the project folder, as a dependency. */
  tarball: { file: string; manifest: { name: string; version: string; dependencies?: Record<string, string>; bin?: Record<string, string> } };
}

export interface ProjectFiles {
  packageJson: Record<string, unknown>;
  packageLock: Record<string, unknown>;
}

/** package.json and package-lock.json for the project: `^version` ranges, as `npm install` saves. */
export function projectLock(options: ProjectLockOptions): ProjectFiles {
  const lock = JSON.parse(fs.readFileSync(path.join(options.repoRoot, "package-lock.json"), "utf8")) as Lock;
  const picked: Record<string, LockEntry> = {};
  const queue: string[] = [];

  const add = (from: string, name: string, optional: boolean, why: string) => {
    const location = resolveInLock(lock, from, name);
    if (!location) {
      if (optional) return;
      throw new Error(`${name} (${why}) is not in ${options.repoRoot}/package-lock.json: add it to the repository's dependencies so that \`npm ci\` caches it`);
    }
    if (picked[location]) return;
    // Dev/peer flags describe the repository's tree; npm works them out again for the project.
    const { dev, devOptional, peer, ...entry } = lock.packages[location];
    picked[location] = entry;
    queue.push(location);
  };

  const wanted = (specs: string[]) =>
    specs.map((spec) => {
      const at = spec.lastIndexOf("@");
      const name = at > 0 ? spec.slice(0, at) : spec;
      return [name, at > 0 ? spec.slice(at + 1) : `^${lock.packages[`node_modules/${name}`]?.version}`];
    });
  const dependencies = wanted(options.dependencies);
  const devDependencies = wanted(options.devDependencies);
  for (const [name] of [...dependencies, ...devDependencies]) add("", name, false, `wanted by ${options.name}`);
  const tarballName = options.tarball.manifest.name;
  for (const name of Object.keys(options.tarball.manifest.dependencies ?? {})) add("", name, false, `a dependency of ${tarballName}`);
  while (queue.length) {
    const location = queue.shift()!;
    const entry = lock.packages[location];
    for (const name of Object.keys(entry.dependencies ?? {})) add(location, name, false, `needed by ${location}`);
    for (const name of Object.keys(entry.optionalDependencies ?? {})) add(location, name, true, `optional for ${location}`);
    for (const name of Object.keys(entry.peerDependencies ?? {})) add(location, name, entry.peerDependenciesMeta?.[name]?.optional === true, `peer of ${location}`);
  }

  const tarballSpec = `file:${path.basename(options.tarball.file)}`;
  picked[`node_modules/${tarballName}`] = {
    version: options.tarball.manifest.version,
    resolved: tarballSpec,
    integrity: `sha512-${crypto.createHash("sha512").update(fs.readFileSync(options.tarball.file)).digest("base64")}`,
    dependencies: options.tarball.manifest.dependencies,
    bin: options.tarball.manifest.bin,
  };

  const root = {
    name: options.name,
    version: "1.0.0",
    dependencies: { [tarballName]: tarballSpec, ...Object.fromEntries(dependencies) },
    devDependencies: Object.fromEntries(devDependencies),
  };
  const packages = Object.fromEntries(Object.entries(picked).sort(([a], [b]) => a.localeCompare(b)));
  return {
    packageJson: { ...root, private: true },
    packageLock: { name: options.name, version: "1.0.0", lockfileVersion: 3, requires: true, packages: { "": root, ...packages } },
  };
}

/** Where Node (and so npm's tree) finds `name` from the package at `from`: its own
 * node_modules, then each enclosing one up to the top. */
function resolveInLock(lock: Lock, from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const location = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[location]) return location;
    if (!dir) return undefined;
    const parent = dir.lastIndexOf("/node_modules/");
    dir = parent < 0 ? "" : dir.slice(0, parent);
  }
}
