import { execFileSync } from "node:child_process";

/** Why the Cortex-M cross toolchain can't build here (a test skips with it), or undefined. */
export function crossToolchainUnavailable(): string | undefined {
  try {
    execFileSync("arm-none-eabi-gcc", ["--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "arm-none-eabi-gcc is not installed: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi (npm test installs it when run as root)";
  }
}
