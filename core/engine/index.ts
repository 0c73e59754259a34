/** The Microvium runtime engine: restore snapshots, call their exports, serve their imports. */
export type { HostFunction, MicroviumEngine, RestoreOptions, VmInstance, VmMemoryStats, VmPrimitive } from "./types";
export { DEFAULT_INSTRUCTION_BUDGET } from "./types";
export { MicroviumError, VmBudgetExceeded, VmException } from "./errors";
export { loadWasmEngine } from "./wasmEngine";
