export * from "./retention";
export * from "./historyRequest";
