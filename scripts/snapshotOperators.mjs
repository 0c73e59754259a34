// Which of the engine's costly operators a built app's device snapshot uses, read from its
// bytecode with Microvium's own decoder (decodeSnapshot: every function reachable from the
// snapshot's roots, every instruction reachable from each entry point). A per-app firmware image
// (`snapfleet firmware build --app DIR`) leaves out what the app doesn't use: without `**`, the
// engine's power operation refuses instead of linking libm's pow (4.2 KB on the Cortex-M0+).
import { createRequire } from "node:module";

const { decodeSnapshot } = createRequire(import.meta.url)("microvium");

/** Whether the snapshot's code has a `**` (or `**=`): Microvium compiles both to
 * BinOp '**' (VM_OP_NUM_OP with VM_NUM_OP_POWER), and so is Math.pow, which the in-VM standard
 * library implements as `x ** y`. `where` names the snapshot in errors. */
export function usesPowerOperator(bytes, where) {
  let functions;
  try {
    functions = decodeSnapshot({ data: bytes }).snapshotInfo.functions;
  } catch (error) {
    throw new Error(`${where}: Microvium's decoder can't read its bytecode (${error.message}); build the app again with snapfleet build`);
  }
  for (const fn of functions.values())
    for (const block of Object.values(fn.blocks))
      for (const op of block.operations) if (op.opcode === "BinOp" && op.operands[0]?.subOperation === "**") return true;
  return false;
}
