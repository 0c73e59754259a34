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
  /** Frees the instance; calling it afterwards throws. */
  dispose(): void;
}

export interface MicroviumEngine {
  /** Restores a snapshot. `imports(id)` is asked once per host function the snapshot imports;
   * returning undefined makes restore fail with an error naming the id. */
  restore(snapshot: Uint8Array, imports: (id: number) => HostFunction | undefined): VmInstance;
}
