/** A/B slots in the device's state dir: the running app's package stays in the active slot while
 * an update is staged in the other, so a failed update can always go back to a known-good app.
 * `ota.json` names the active slot and the versions it may boot or roll back to, and survives
 * restarts; it is written to a temp file renamed into place, so a power cut leaves either the old
 * file or the new one, never half. A slot ota.json doesn't name may hold anything (stage()). */
import fs from "node:fs";
import path from "node:path";
import { decodeDevicePackage, type DevicePackage } from "../../core/contracts/devicePackage";

export type Slot = "a" | "b";

interface SlotState {
  active?: Slot;
  versions: Partial<Record<Slot, string>>;
}

export class SlotStore {
  private state: SlotState;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "ota.json");
    this.state = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as SlotState) : { versions: {} };
  }

  get activeSlot(): Slot | undefined {
    return this.state.active;
  }

  get activeVersion(): string | undefined {
    return this.state.active ? this.state.versions[this.state.active] : undefined;
  }

  /** The installed package, re-verified (its snapshot against its manifest) at every read. */
  readActive(): DevicePackage | undefined {
    if (!this.state.active) return undefined;
    return decodeDevicePackage(new Uint8Array(fs.readFileSync(this.file(this.state.active))));
  }

  /** Writes a verified package into the inactive slot and returns that slot. Its version reaches
   * ota.json with activate(): until then no restart may take the slot for a version to boot or
   * roll back to (a version never activated is no known-good one), so the slot is written in place
   * (as a bootloader writes its secondary slot) and ota.json is written once per install, not
   * twice. An install on a fresh device creates two files instead of three (temp files, each a new
   * inode): at 1,000 devices starting at once, creating files was a fifth of a fleet host's main
   * thread (README "A thousand devices"). */
  stage(bytes: Uint8Array, version: string): Slot {
    const slot: Slot = this.state.active === "a" ? "b" : "a";
    // Before overwriting a version ota.json names (the one to roll back to), forget it there:
    // a power cut mid-write must not leave ota.json naming bytes the slot no longer holds.
    if (this.state.versions[slot] !== undefined) {
      delete this.state.versions[slot];
      this.save();
    }
    fs.writeFileSync(this.file(slot), bytes);
    this.state.versions[slot] = version;
    return slot;
  }

  readSlot(slot: Slot): DevicePackage {
    return decodeDevicePackage(new Uint8Array(fs.readFileSync(this.file(slot))));
  }

  /** Makes `slot` the one booted from now on. */
  activate(slot: Slot): void {
    this.state.active = slot;
    this.save();
  }

  /** The other slot, when it holds an earlier version to go back to. */
  get previousSlot(): Slot | undefined {
    const other: Slot = this.state.active === "a" ? "b" : "a";
    const version = this.state.versions[other];
    return this.state.active && version && version !== this.activeVersion ? other : undefined;
  }

  /** Goes back to `slot` and forgets the failed active version, so a failure of the version
   * rolled back to can't swap the failed one back in. */
  rollBackTo(slot: Slot): void {
    const failed = this.state.active;
    this.state.active = slot;
    if (failed) delete this.state.versions[failed];
    this.save();
  }

  /** Forgets a staged version that failed its install, for the same reason. */
  discard(slot: Slot): void {
    if (slot === this.state.active) return;
    delete this.state.versions[slot];
    this.save();
  }

  private file(slot: Slot): string {
    return path.join(this.dir, `slot-${slot}.sfpk`);
  }

  private save(): void {
    writeAtomically(path.join(this.dir, "ota.json"), Buffer.from(JSON.stringify(this.state, null, 2)));
  }
}

function writeAtomically(file: string, bytes: Uint8Array): void {
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
}
