export * from "./boardDefinition";
export * from "./builtInBoards";
export { loadBoard } from "./loadBoard";
