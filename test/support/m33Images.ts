/** The Cortex-M33 images the QEMU tests boot: the plain build and the TrustZone build's two
 * (secure image first: the core starts there), built as `snapfleet firmware build` does. */
import path from "node:path";
import { qemuUnavailable, type QemuBoardOptions } from "../../firmware/native/ports/mps2-an505/qemuBoard";
import { crossToolchainUnavailable } from "./crossToolchain";

const ROOT = path.resolve(__dirname, "../..");

export type M33Images = Pick<QemuBoardOptions, "image" | "nonSecureImage">;

/** Why the images can't be built and booted here (a test skips with it), or undefined. As root
 * the build installs the toolchain itself. */
export function m33Unavailable(): string | undefined {
  return qemuUnavailable() ?? (process.getuid?.() === 0 ? undefined : crossToolchainUnavailable());
}

/** Builds the three targets (skipped when up to date); `log` gets the TrustZone builds' output. */
export async function buildM33Images(log: (line: string) => void = () => {}): Promise<{ plain: M33Images; trustZone: M33Images; secureSupervisor: M33Images }> {
  const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
  const plain = { image: (await buildFirmware({ target: "cortex-m33", log: () => {} })).program };
  const built = await buildFirmware({ target: "cortex-m33-tz", log });
  // the supervisor-secure build: the program is the secure image, the engine the non-secure one
  const split = await buildFirmware({ target: "cortex-m33-tz-supervisor", log });
  return { plain, trustZone: { image: built.secureImage, nonSecureImage: built.program }, secureSupervisor: { image: split.program, nonSecureImage: split.engineImage } };
}
