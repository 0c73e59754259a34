/** cli/qemuTarget.ts: the builds an emulated board runs, the images each boots (as the firmware
 * build names them), and the board every one of them is (as the build gives it). */
import assert from "node:assert/strict";
import path from "node:path";
import { builtInBoard } from "../core/boards";
import { QEMU_IMAGE_BOARD, QEMU_TARGETS, checkQemuFleetBoard, qemuImagesOf, qemuTargetFromFlag } from "./qemuTarget";
import { buildM33Images, m33Unavailable } from "../test/support/m33Images";
import { skipIfUnavailable } from "../test/support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "..");

describe("qemuTarget: the emulated board's builds", function () {
  this.timeout(600_000);

  it("the three Cortex-M33 builds are targets; the flag defaults to the plain image and needs the qemu runtime", () => {
    for (const target of QEMU_TARGETS) assert.equal(qemuTargetFromFlag(target, "--target", "qemu", "--runtime"), target);
    assert.equal(qemuTargetFromFlag(undefined, "--target", "qemu", "--runtime"), "cortex-m33");
    assert.equal(qemuTargetFromFlag(undefined, "--target", "native", "--runtime"), undefined);
    assert.throws(() => qemuTargetFromFlag("cortex-m0plus", "--target", "qemu", "--runtime"), /^UsageError: --target must be cortex-m33 \(the default\), cortex-m33-tz or cortex-m33-tz-supervisor, got cortex-m0plus$/);
    assert.throws(() => qemuTargetFromFlag("cortex-m33-tz", "--target", "native", "--runtime"), /--target needs --runtime qemu/);
  });

  it("every target's image is the board QEMU_IMAGE_BOARD names (scripts/build-firmware.mjs's `board`), a built-in board", async () => {
    const { TARGET_SPECS } = (await import(path.join(ROOT, "scripts/build-firmware.mjs") as string)) as { TARGET_SPECS: Record<string, { board?: string }> };
    for (const target of QEMU_TARGETS) assert.equal(TARGET_SPECS[target].board, QEMU_IMAGE_BOARD, target);
    assert.ok(builtInBoard(QEMU_IMAGE_BOARD));
  });

  it("a fleet of another board is refused, saying why and what to do", () => {
    assert.doesNotThrow(() => checkQemuFleetBoard("simulated", "cortex-m33"));
    assert.throws(() => checkQemuFleetBoard("esp32-devkitc", "cortex-m33-tz"), (e: Error) => {
      assert.equal(e.name, "UsageError");
      assert.match(e.message, /^--board esp32-devkitc can't run on --device-runtime qemu: the emulated board's image \(cortex-m33-tz\) is the "simulated" board .*each OTA job would end FAILED.*leave --board out \(or --board simulated\)/);
      return true;
    });
  });

  it("the images each target boots are the ones the firmware build writes (the core starts in the first)", async function () {
    skipIfUnavailable(this, m33Unavailable());
    const built = await buildM33Images();
    assert.deepEqual(qemuImagesOf("cortex-m33", built.plain.image), built.plain);
    assert.deepEqual(qemuImagesOf("cortex-m33-tz", built.trustZone.nonSecureImage!), built.trustZone);
    assert.deepEqual(qemuImagesOf("cortex-m33-tz-supervisor", built.secureSupervisor.image), built.secureSupervisor);
  });
});
