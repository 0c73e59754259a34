/** Size budgets: the one place they live. `test/sizeBudgets.test.ts` builds the example and fails
 * when a figure passes its budget; the compile bench prints each figure against it; README
 * ("Testing", "Benchmarks") quotes these numbers. Raise a budget only with a reason in the commit. */
export const SIZE_BUDGETS = {
  /** The grow-station example's device snapshot, built with its dev secrets, with or without
   * channel type arguments: the device snapshot goal (2 KB). */
  exampleDeviceSnapshotBytes: 2048,
  /** The device's object codec (encoder + decoder): what the example's device snapshot grows by
   * when the build keeps the whole codec instead of inferring that its channels carry primitives. */
  objectCodecBytes: 480,
  /** The runtime floor: the device snapshot of an empty App, and of one that keeps `api` in a callback. */
  runtimeFloorBytes: { emptyApp: 570, keepsApi: 650 },
} as const;
