/** Which build an emulated mps2-an505 board runs (`run-device --runtime qemu --target`, `dev
 * --device-runtime qemu --device-target`): the plain Cortex-M33 image, the default, or the
 * supervisor-secure TrustZone build, whose two images QEMU loads together (the secure device
 * program the core starts in, and the non-secure engine image it calls). Both take the same
 * device command line, so everything else about the run is the same. */
import path from "node:path";
import type { QemuBoardOptions } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { UsageError } from "./cliError";
import { buildFirmwareProgram } from "./firmwareCommand";

export const QEMU_TARGETS = ["cortex-m33", "cortex-m33-tz-supervisor"] as const;
export type QemuTarget = (typeof QEMU_TARGETS)[number];
export const DEFAULT_QEMU_TARGET: QemuTarget = "cortex-m33";

/** The images a board boots: `image` the core starts in, `nonSecureImage` loaded beside it. */
export type QemuImages = Pick<QemuBoardOptions, "image" | "nonSecureImage">;

const ALLOWED = `${QEMU_TARGETS[0]} (the default) or ${QEMU_TARGETS[1]}`;

/** The target a flag names, checked: undefined when the runtime is not qemu (and the flag not
 * given), the default when the flag is left out. A usage error for a value that is none of the
 * targets, or for the flag with another runtime (it would be ignored silently). */
export function qemuTargetFromFlag(value: unknown, flag: string, runtime: string, runtimeFlag: string): QemuTarget | undefined {
  if (runtime !== "qemu") {
    if (value !== undefined) throw new UsageError(`${flag} needs ${runtimeFlag} qemu (it chooses the emulated board's build: ${ALLOWED}), got ${runtimeFlag} ${runtime}`);
    return undefined;
  }
  if (value === undefined) return DEFAULT_QEMU_TARGET;
  if (!(QEMU_TARGETS as readonly unknown[]).includes(value)) throw new UsageError(`${flag} must be ${ALLOWED}, got ${String(value)}`);
  return value as QemuTarget;
}

/** The engine image of the supervisor-secure build, beside its device program
 * (scripts/build-firmware.mjs `engineImage`). */
const ENGINE_IMAGE = "snapfleet-device-engine.elf";

/** Builds the target (or finds it up to date, saying nothing then) and names its images. */
export function buildQemuImages(target: QemuTarget): QemuImages {
  const image = buildFirmwareProgram(target, { quietWhenUpToDate: true });
  return target === "cortex-m33-tz-supervisor" ? { image, nonSecureImage: path.join(path.dirname(image), ENGINE_IMAGE) } : { image };
}
