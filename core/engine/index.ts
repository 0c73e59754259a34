/** The Microvium runtime engine: restore snapshots, call their exports, serve their imports. */
export type { HostFunction, MicroviumEngine, VmInstance, VmMemoryStats, VmPrimitive } from "./types";
export { MicroviumError, VmException } from "./errors";
export { loadWasmEngine } from "./wasmEngine";
