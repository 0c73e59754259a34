/** Size is a feature: the device snapshot figures with a budget (bench/sizeBudgets.ts, quoted by
 * README) are measured as the compile bench measures them (bench/sizeFigures.ts), and a build
 * that passes a budget fails here, in the suite, instead of months later in a bench run. */
import assert from "node:assert/strict";
import { measureSizeFigures, type SizeFigures } from "../bench/sizeFigures";
import { SIZE_BUDGETS } from "../bench/sizeBudgets";

describe("size budgets (bench/sizeBudgets.ts)", function () {
  this.timeout(120_000);
  let figures: SizeFigures;
  before(async () => {
    figures = await measureSizeFigures();
  });

  it(`the example's device snapshot stays within ${SIZE_BUDGETS.exampleDeviceSnapshotBytes} B, with and without channel type arguments`, () => {
    const { typed, untyped } = figures.exampleDevice;
    assert.ok(typed <= SIZE_BUDGETS.exampleDeviceSnapshotBytes, `the example's device snapshot is ${typed} B, over its budget of ${SIZE_BUDGETS.exampleDeviceSnapshotBytes} B`);
    assert.ok(untyped <= SIZE_BUDGETS.exampleDeviceSnapshotBytes, `the example without type arguments: ${untyped} B, over ${SIZE_BUDGETS.exampleDeviceSnapshotBytes} B`);
  });

  it(`the device's object codec stays within ${SIZE_BUDGETS.objectCodecBytes} B`, () => {
    const { codec, wholeCodecDevice } = figures.objectCodec;
    assert.ok(codec > 0, `a device snapshot with the whole codec (${wholeCodecDevice} B) is no bigger than without it: the codec is not being left out`);
    assert.ok(codec <= SIZE_BUDGETS.objectCodecBytes, `the object codec takes ${codec} B of the device snapshot, over its budget of ${SIZE_BUDGETS.objectCodecBytes} B`);
  });

  it(`the runtime floor stays within ${SIZE_BUDGETS.runtimeFloorBytes.emptyApp} B (empty App) and ${SIZE_BUDGETS.runtimeFloorBytes.keepsApi} B (App keeping api in a callback)`, () => {
    const { emptyApp, keepsApi } = figures.runtimeFloor;
    assert.ok(emptyApp <= SIZE_BUDGETS.runtimeFloorBytes.emptyApp, `an empty App's device snapshot is ${emptyApp} B, over its budget of ${SIZE_BUDGETS.runtimeFloorBytes.emptyApp} B`);
    assert.ok(keepsApi <= SIZE_BUDGETS.runtimeFloorBytes.keepsApi, `an App keeping api in a callback: ${keepsApi} B, over its budget of ${SIZE_BUDGETS.runtimeFloorBytes.keepsApi} B`);
  });
});
