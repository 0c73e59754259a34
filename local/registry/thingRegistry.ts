/** The local cloud's thing registry: which things belong to the fleet and which certificates are
 * attached to each, kept in `${stateDir}/registry/things.json`. It stands in for AWS IoT's
 * registry, where a certificate connects only once it is registered and the thing policy
 * variables resolve only for a thing attached to it
 * (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html). The local
 * CA signing a certificate does not make its holder a thing of the fleet: registering does.
 *
 * Revoking (`snapfleet devices revoke`) is AWS's UpdateCertificate to REVOKED: the certificate
 * never connects again ("Devices cannot use a certificate that is not in the ACTIVE state to
 * reconnect", https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateCertificate.html) and
 * a revoked certificate can't be made active again
 * (https://docs.aws.amazon.com/iot/latest/developerguide/revoke-ca-cert.html). The file keeps
 * the fingerprints in `revoked` for good; the thing is removed. */
import { createHash } from "node:crypto";
import { promises as fs, type Stats } from "node:fs";
import path from "node:path";
import { checkName } from "../../core/contracts/names";
import { DER_SEQUENCE, derElement } from "../certificates/der";
import { PUBLIC_MODE, readIfExists, withLock, writeAtomically } from "../certificates/files";

export interface RegisteredThing {
  name: string;
  /** SHA-256 fingerprints (`AB:CD:…`, as Node's X509Certificate prints them) of attached certificates. */
  certificates: string[];
}

interface RegistryFile {
  things: RegisteredThing[];
  /** Fingerprints of revoked certificates. Absent (a file written before revocation existed, or
   * none revoked yet) means none. */
  revoked?: string[];
}

/** What the file holds. An edit may replace `revoked` (never change it in place, see change). */
interface RegistryState {
  things: Map<string, RegisteredThing>;
  revoked: ReadonlySet<string>;
}

/** How many thing names a "no such thing" error lists. */
const NAMES_SHOWN = 10;

/** What fs.stat says of one version of the file: a rename puts a new inode in its place, and an
 * edit in place changes its mtime (nanoseconds on ext4, APFS and NTFS) and mostly its size. */
interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function registryFile(stateDir: string): string {
  return path.join(stateDir, "registry", "things.json");
}

/** The fingerprint the registry keys certificates by: what Node's X509Certificate prints as
 * `fingerprint256` (the broker reads it so from a connection's peer certificate), which is the
 * SHA-256 of the DER. Hashed from the PEM's body without parsing the certificate: a parse was
 * 0.85 ms a device of a 1,000-device first start's broker thread. */
export function certificateFingerprint(certPem: string): string {
  const digest = createHash("sha256").update(certificateDer(certPem)).digest("hex").toUpperCase();
  return digest.replace(/..(?!$)/g, "$&:");
}

const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----\s*$/;

/** The DER of a PEM holding one certificate. Refuses what is not one, as the parse did: another
 * PEM block, or bytes that are not a DER SEQUENCE of exactly their length starting with a
 * SEQUENCE (Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, … }, RFC 5280 4.1). */
function certificateDer(certPem: string): Buffer {
  const body = PEM_CERTIFICATE.exec(certPem)?.[1];
  const der = Buffer.from(body ?? "", "base64");
  const outer = derElement(der, 0);
  const tbs = outer && derElement(der, outer.contentStart);
  if (outer?.tag !== DER_SEQUENCE || outer.end !== der.length || tbs?.tag !== DER_SEQUENCE || tbs.end > der.length) {
    throw new Error("thing registry: the certificate is not a PEM CERTIFICATE block holding an X.509 certificate");
  }
  return der;
}

/** How long a write waits for more edits when others arrived while the one before ran. A write
 * costs the main thread about 2 ms at 1,000 things (the file is rewritten whole) whatever it
 * carries, and a fleet's first start attaches a thing every ~2 ms: without the wait, about one
 * write each. A caller that awaits each attach before the next (a stream of one) never waits. */
const GATHER_MS = 10;

export class ThingRegistry {
  private things = new Map<string, RegisteredThing>();
  private revoked: ReadonlySet<string> = new Set();
  /** Fingerprint → names of the things it is attached to: looked up on every device connect. */
  private readonly byCertificate = new Map<string, Set<string>>();
  /** Edits asked for while a write runs: the next write applies them all (see change). */
  private queued: { edit: (state: RegistryState) => void; done: (error?: unknown) => void }[] = [];
  private writing = false;
  /** Writes finished, so a refresh that read the file while one ran knows its read may be older. */
  private writes = 0;
  /** The file's version this instance's view came from (read or written): refreshIfChanged
   * reads the file only when it is another. */
  private seen: FileVersion | undefined;
  /** Counts the changes of this instance's view, whatever made them (a write of its own that
   * took in another process's edits too, a reload): a watcher compares it to act on each. */
  private changes = 0;
  /** The file as this instance's last write left it, while `things` is what that write put in it;
   * cleared when `things` comes from anywhere else (reload). See stateToEdit. */
  private written: FileVersion | undefined;

  private constructor(private readonly file: string) {}

  /** Reads the registry of a state dir (empty when there is none yet). A corrupt file is an error
   * naming the file, never silently an empty fleet. */
  static async open(stateDir: string): Promise<ThingRegistry> {
    const registry = new ThingRegistry(registryFile(stateDir));
    await registry.reload();
    return registry;
  }

  /** Registers the thing (if new) and attaches the certificate to it. Idempotent. */
  /** Registers the thing (if new) and attaches the certificate to it. Idempotent. A revoked
   * certificate is refused, checked again under the file's lock against what the file holds. */
  async attach(thingName: string, certPem: string): Promise<void> {
    const problem = checkName("thing", thingName);
    if (problem) throw new Error(`thing registry: ${problem}`);
    const fingerprint = certificateFingerprint(certPem);
    if (this.revoked.has(fingerprint)) throw revokedError(fingerprint, thingName);
    const thing = this.things.get(thingName);
    if (thing?.certificates.includes(fingerprint)) return;
    await this.change(({ things, revoked }) => {
      if (revoked.has(fingerprint)) throw revokedError(fingerprint, thingName);
      const certificates = things.get(thingName)?.certificates ?? [];
      if (!certificates.includes(fingerprint)) things.set(thingName, { name: thingName, certificates: [...certificates, fingerprint] });
    });
  }

  /** Removes a thing from the fleet: its certificates no longer connect as it. */
  async remove(thingName: string): Promise<void> {
    if (!this.things.has(thingName)) return;
    await this.change(({ things }) => void things.delete(thingName));
  }

  /** Revokes the certificates attached to the thing, for good, and removes the thing (what the
   * file holds under its lock decides, not this instance's view). A certificate also attached to
   * another thing stays attached there but no longer connects at all, as on AWS. Returns the
   * fingerprints revoked. An unknown thing is an error naming the things there are. */
  async revoke(thingName: string): Promise<string[]> {
    let fingerprints: string[] = [];
    await this.change((state) => {
      const thing = state.things.get(thingName);
      if (!thing) throw new Error(`thing registry: no thing "${thingName}" to revoke; ${describeNames(this.file, [...state.things.keys()].sort())}`);
      fingerprints = thing.certificates;
      state.revoked = new Set([...state.revoked, ...thing.certificates]);
      state.things.delete(thingName);
    });
    return fingerprints;
  }

  /** Was the certificate (by fingerprint) revoked? As of this instance's view: see refreshIfChanged. */
  isRevoked(fingerprint: string): boolean {
    return this.revoked.has(fingerprint);
  }

  /** Bumped whenever this instance's view changes (see `changes`). */
  get generation(): number {
    return this.changes;
  }

  has(thingName: string): boolean {
    return this.things.has(thingName);
  }

  names(): string[] {
    return [...this.things.keys()].sort();
  }

  /** Things the certificate (by fingerprint) is attached to, in name order. */
  thingsAttachedTo(fingerprint: string): string[] {
    return [...(this.byCertificate.get(fingerprint) ?? [])].sort();
  }

  /** Picks up registrations another process made (the file is the source of truth). */
  async reload(): Promise<void> {
    // The version first: a write landing between the two makes the next refresh read again.
    const version = await this.versionNow();
    this.replace(await readState(this.file), undefined, version);
  }

  /** Reads the file again only when it is not the version this instance last read or wrote
   * (a stat, for a watcher's poll). True when it read it. Skipped while a write of its own runs
   * or when one finished during the read: that write read the file under the lock itself. */
  async refreshIfChanged(): Promise<boolean> {
    const version = await this.versionNow();
    if (sameVersion(version, this.seen) || this.writing) return false;
    const writes = this.writes;
    const state = await readState(this.file);
    if (this.writing || writes !== this.writes) return false;
    this.replace(state, undefined, version);
    return true;
  }

  /** Read-modify-write under the file's lock, so two processes sharing a state dir (the local
   * cloud and a device simulator) don't lose each other's registrations. Edits that arrive while
   * a write runs go together into the next one: a 1,000-device first start rewrote the whole
   * file once per device before (half a million entries in all). An edit replaces the entries
   * it changes and never changes one in place: the map may share them with `things`, which must
   * stay what the file holds if the write fails. An edit that throws fails alone (it must throw
   * before it changes anything); the others of its batch are written. */
  private change(edit: (state: RegistryState) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ edit, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    this.writing = true;
    for (let write = 0; this.queued.length; write++) {
      // Edits that came while a write ran mean a stream of them: let more join the next write.
      if (write > 0) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      const batch = this.queued.splice(0);
      try {
        const refused = new Map<(typeof batch)[number], unknown>();
        await withLock(`${this.file}.lock`, async () => {
          const { state, version: read } = await this.stateToEdit();
          for (const item of batch) {
            try {
              item.edit(state);
            } catch (error) {
              refused.set(item, error);
            }
          }
          // Nothing to write; what was read is still this instance's freshest view (an edit that
          // throws changed nothing).
          if (refused.size === batch.length) return this.replace(state, read, read);
          const content: RegistryFile = { things: [...state.things.values()].sort(byName), ...(state.revoked.size ? { revoked: [...state.revoked].sort() } : {}) };
          await writeAtomically(this.file, `${JSON.stringify(content, null, 2)}\n`, PUBLIC_MODE);
          const version = versionOf(await fs.stat(this.file));
          this.replace(state, version, version);
        });
        for (const item of batch) item.done(refused.get(item));
      } catch (error) {
        for (const { done } of batch) done(error ?? new Error("thing registry: write failed"));
      } finally {
        this.writes++;
      }
    }
    this.writing = false;
  }

  /** What the file holds now, under its lock. Parsing it again each batch was most of the
   * registry's cost in a fleet's first start, so it is read only when it is not the version this
   * instance wrote last. That is safe under the lock: any other writer (another process, or
   * another instance in this one) takes the same lock and replaces the file by a rename, which
   * puts a new inode there; an edit by hand changes the mtime. Either differs from `written`, and
   * then the file is read as before. */
  private async stateToEdit(): Promise<{ state: RegistryState; version: FileVersion | undefined }> {
    const version = await this.versionNow();
    const unchanged = version && this.written && sameVersion(version, this.written);
    return { state: unchanged ? { things: new Map(this.things), revoked: this.revoked } : await readState(this.file), version };
  }

  /** The file's version now; undefined when there is no file yet. */
  private versionNow(): Promise<FileVersion | undefined> {
    return fs.stat(this.file).then(versionOf, (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
  }

  /** Makes `things` this instance's view. Entries are never changed in place (see change), so
   * the certificate index is updated for the entries that are not the same objects as before:
   * after a write, those the batch touched, not all of them. */
  private replace({ things, revoked }: RegistryState, written: FileVersion | undefined, seen: FileVersion | undefined): void {
    this.written = written;
    this.seen = seen;
    this.changes++;
    this.revoked = revoked;
    const before = this.things;
    this.things = things;
    for (const [name, thing] of before) if (things.get(name) !== thing) this.index(name, thing, "remove");
    for (const [name, thing] of things) if (before.get(name) !== thing) this.index(name, thing, "add");
  }

  private index(name: string, thing: RegisteredThing, change: "add" | "remove"): void {
    for (const fingerprint of thing.certificates) {
      const names = this.byCertificate.get(fingerprint) ?? new Set<string>();
      if (change === "add") names.add(name);
      else names.delete(name);
      if (names.size) this.byCertificate.set(fingerprint, names);
      else this.byCertificate.delete(fingerprint);
    }
  }
}

function versionOf(stats: Stats): FileVersion {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

/** Both absent (no file yet) counts as the same. */
function sameVersion(a: FileVersion | undefined, b: FileVersion | undefined): boolean {
  if (!a || !b) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function revokedError(fingerprint: string, thingName: string): Error {
  return new Error(
    `thing registry: certificate ${fingerprint.slice(0, 23)}… was revoked (snapfleet devices revoke) and can never be attached again; give "${thingName}" a new certificate`,
  );
}

/** "has a, b, … and 3 more" (the first NAMES_SHOWN), or that there is none. */
function describeNames(file: string, names: string[]): string {
  if (!names.length) return `the registry (${file}) has no thing yet`;
  const more = names.length > NAMES_SHOWN ? ` and ${names.length - NAMES_SHOWN} more` : "";
  return `the registry (${file}) has ${names.slice(0, NAMES_SHOWN).join(", ")}${more}`;
}

/** Thing names are lowercase ASCII letters, digits and '-' (checkName, core/contracts/names.ts),
 * for which code-point order is well defined and is the order localeCompare gave the file before
 * ('-' < digits < letters): a plain comparison, without a collator's cost. */
function byName(a: RegisteredThing, b: RegisteredThing): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function readState(file: string): Promise<RegistryState> {
  const text = await readIfExists(file);
  const things = new Map<string, RegisteredThing>();
  if (text === undefined) return { things, revoked: new Set() };
  let parsed: RegistryFile;
  try {
    parsed = JSON.parse(text) as RegistryFile;
    if (!Array.isArray(parsed.things)) throw new Error(`"things" is not a list`);
    for (const t of parsed.things) {
      if (typeof t?.name !== "string" || !Array.isArray(t.certificates) || !t.certificates.every((c) => typeof c === "string")) {
        throw new Error(`entry ${JSON.stringify(t).slice(0, 80)} is not {"name": string, "certificates": string[]}`);
      }
      things.set(t.name, { name: t.name, certificates: [...t.certificates] });
    }
    if (parsed.revoked !== undefined && (!Array.isArray(parsed.revoked) || !parsed.revoked.every((c) => typeof c === "string"))) {
      throw new Error(`"revoked" is not a list of fingerprints`);
    }
  } catch (error) {
    throw new Error(`thing registry ${file} is corrupt (${(error as Error).message}); fix it or delete it and register the devices again`);
  }
  return { things, revoked: new Set(parsed.revoked ?? []) };
}
