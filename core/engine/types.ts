/** The Microvium runtime engine as snapfleet's hosts see it: restore a snapshot, call its
 * exports, serve its imports. Values crossing the boundary are primitives only; structured
 * values travel as token streams (see core/runtime/valueTokens.ts). */
export type VmPrimitive = undefined | null | boolean | number | string;

/** A host function the VM imports by numeric id. It may throw: the error propagates out of the
 * export call that led to it, unchanged. */
export type HostFunction = (...args: VmPrimitive[]) => VmPrimitive | void;

export interface VmMemoryStats {
  /** Bytes of virtual heap in use now and the high-water mark. */
  heapUsed: number;
  heapHighWaterMark: number;
  /** Bytes the engine has allocated from the host in total (heap + stack + globals + core). */
  totalSize: number;
  stackHighWaterMark: number;
}

export interface VmInstance {
  /** The function exported by the snapshot under `exportId`; throws if there is none. */
  resolveExport(exportId: number): (...args: VmPrimitive[]) => VmPrimitive;
  getMemoryStats(): VmMemoryStats;
  /** The VM's state now as a snapshot that `restore` takes (globals and heap: what the app's code
   * built since it started). Only between calls into the VM. */
  createSnapshot(): Uint8Array;
  /** Frees the instance; calling it afterwards throws. */
  dispose(): void;
}

/** Bytecode instructions one call into a VM may run by default: some 50,000 turns of a simple
 * loop, far more than a feature callback needs; a runaway call is stopped within a fraction of
 * a second (bench/engine.bench.ts measures it). */
export const DEFAULT_INSTRUCTION_BUDGET = 1_000_000;

export interface RestoreOptions {
  /** Bytecode instructions one call may run before it fails with VmBudgetExceeded (default
   * DEFAULT_INSTRUCTION_BUDGET); 0 or Infinity: no limit. Counted from each call the host makes
   * into the VM; a call the VM makes back into itself through a host function counts towards
   * the call it is part of, so a loop through the host is stopped too. At most 2^31 - 1. */
  instructionBudget?: number;
}

export interface MicroviumEngine {
  /** Restores a snapshot. `imports(id)` is asked once per host function the snapshot imports;
   * returning undefined makes restore fail with an error naming the id. */
  restore(snapshot: Uint8Array, imports: (id: number) => HostFunction | undefined, options?: RestoreOptions): VmInstance;
}
