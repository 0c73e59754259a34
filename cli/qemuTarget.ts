/** Which build an emulated mps2-an505 board runs (`run-device --runtime qemu --target`, `dev
 * --device-runtime qemu --device-target`): the plain Cortex-M33 image, the default; the first
 * TrustZone build (cortex-m33-tz: the same device program as the non-secure image, started by a
 * secure image that owns the link's UART, the storage and randomness); or the supervisor-secure
 * TrustZone build (the device program secure, the engine non-secure). QEMU loads a TrustZone
 * build's two images together, the core starting in the secure one. All take the same device
 * command line, so everything else about the run is the same. */
import path from "node:path";
import type { QemuBoardOptions } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { UsageError } from "./cliError";
import { buildFirmwareProgram } from "./firmwareCommand";

export const QEMU_TARGETS = ["cortex-m33", "cortex-m33-tz", "cortex-m33-tz-supervisor"] as const;
export type QemuTarget = (typeof QEMU_TARGETS)[number];
export const DEFAULT_QEMU_TARGET: QemuTarget = "cortex-m33";

/** The board (core/boards) every emulated image is: the targets' `board` in
 * scripts/build-firmware.mjs (qemuTarget.test.ts holds them equal). Its link device refuses a
 * package built for another board (ota/devicePackage.c, sf_package_verify). */
export const QEMU_IMAGE_BOARD = "simulated";

/** The images a board boots: `image` the core starts in, `nonSecureImage` loaded beside it. */
export type QemuImages = Pick<QemuBoardOptions, "image" | "nonSecureImage">;

const ALLOWED = `${QEMU_TARGETS[0]} (the default), ${QEMU_TARGETS.slice(1, -1).join(", ")} or ${QEMU_TARGETS.at(-1)}`;

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

/** `dev --device-runtime qemu --board NAME`: a usage error when NAME is not the image's board.
 * The boards would start, and refuse every OTA job's package as built for another board (each
 * job FAILED); said at once instead, before anything is built or started. */
export function checkQemuFleetBoard(board: string, target: QemuTarget): void {
  if (board === QEMU_IMAGE_BOARD) return;
  throw new UsageError(
    `--board ${board} can't run on --device-runtime qemu: the emulated board's image (${target}) is the "${QEMU_IMAGE_BOARD}" board and refuses every update built for another (each OTA job would end FAILED); leave --board out (or --board ${QEMU_IMAGE_BOARD}) with --device-runtime qemu, or run ${board} devices with --device-runtime typescript or native`,
  );
}

/** Beside a TrustZone build's device program (scripts/build-firmware.mjs `secureImage`,
 * `engineImage`): cortex-m33-tz's secure image, which the core starts in, and the
 * supervisor-secure build's non-secure engine image. */
const SECURE_IMAGE = "snapfleet-device-secure.elf";
const ENGINE_IMAGE = "snapfleet-device-engine.elf";

/** The images of a target whose device program is `program` (firmwareProgram). */
export function qemuImagesOf(target: QemuTarget, program: string): QemuImages {
  const beside = (file: string) => path.join(path.dirname(program), file);
  if (target === "cortex-m33-tz") return { image: beside(SECURE_IMAGE), nonSecureImage: program };
  if (target === "cortex-m33-tz-supervisor") return { image: program, nonSecureImage: beside(ENGINE_IMAGE) };
  return { image: program };
}

/** Builds the target (or finds it up to date, saying nothing then) and names its images. */
export function buildQemuImages(target: QemuTarget): QemuImages {
  return qemuImagesOf(target, buildFirmwareProgram(target, { quietWhenUpToDate: true }));
}
