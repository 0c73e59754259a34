export * from "./serverDecisions";
export * from "./serverHost";
export { MemoryStateStore } from "./memoryStateStore";
export * from "./serverSettings";
