/** The device's `heap: peak` line (firmware/native/ports/posix/heapReport.h), printed by a
 * Cortex-M image that measures its heap: at the end of a scripted run (stderr) and on the
 * board's console in `connect` mode when the peak rose; the supervisor-secure TrustZone build
 * adds an `engine heap: peak` line, the engine image's own heap. sizeBudget.json's heapPeakBytes is its
 * `peak` (firmware/native/README.md). */
export interface HeapReport {
  /** What the device's own blocks took at most, each with the allocator's header and rounding. */
  peak: number;
  /** ... and when the line was printed. */
  inUse: number;
  /** How far the C heap was grown: beside the device's blocks, the port's own and the gaps. */
  top: number;
}

const LINE = /^heap: peak (\d+) B, (\d+) B in use, the C heap's top (\d+) B$/m;
/** The supervisor-secure TrustZone build's second line: the engine image's own heap. */
const ENGINE_LINE = /^engine heap: peak (\d+) B, (\d+) B in use, the C heap's top (\d+) B$/m;

/** The first `heap: peak` line of `text` (with `engine`, the first `engine heap: peak` line),
 * or undefined when it has none. */
export function parseHeapReport(text: string, engine = false): HeapReport | undefined {
  const match = (engine ? ENGINE_LINE : LINE).exec(text);
  return match ? { peak: Number(match[1]), inUse: Number(match[2]), top: Number(match[3]) } : undefined;
}
