import fs from "node:fs";
import path from "node:path";
import { validateBoardDefinition, type BoardDefinition } from "./boardDefinition";
import { BUILT_IN_BOARDS, builtInBoard, DEFAULT_BOARD } from "./builtInBoards";

/** A board chosen by the user: a built-in board's name (`esp32-devkitc`), a path to a JSON
 * board file (anything ending in .json or containing a path separator), an already parsed
 * definition, or nothing (the simulated board). Throws saying what is wrong and what exists. */
export function loadBoard(choice: string | BoardDefinition | undefined, cwd = process.cwd()): BoardDefinition {
  if (choice === undefined) return DEFAULT_BOARD;
  if (typeof choice !== "string") return notNamedLikeABuiltIn(validateBoardDefinition(choice), "board definition");
  if (!/\.json$/i.test(choice) && !/[\\/]/.test(choice)) {
    const board = builtInBoard(choice);
    if (!board) throw new Error(`unknown board "${choice}"; built-in boards: ${BUILT_IN_BOARDS.map((b) => b.name).join(", ")}; or pass the path of a JSON board file (README "Boards")`);
    return board;
  }
  const file = path.resolve(cwd, choice);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`board file ${choice}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`board file ${choice} is not JSON: ${(e as Error).message}`);
  }
  return notNamedLikeABuiltIn(validateBoardDefinition(parsed, `board file ${choice}`), `board file ${choice}`);
}

/** Devices and the simulator know a built-in board by its name alone, so another board may not
 * take that name. */
function notNamedLikeABuiltIn(board: BoardDefinition, source: string): BoardDefinition {
  const builtIn = builtInBoard(board.name);
  if (builtIn && JSON.stringify(builtIn.pins) !== JSON.stringify(board.pins)) {
    throw new Error(`${source}: the name "${board.name}" belongs to a built-in board with other pins; give yours its own name`);
  }
  return board;
}
