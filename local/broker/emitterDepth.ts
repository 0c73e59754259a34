/** Bounds how deep aedes's emitter (mqemitter) fans messages out on one stack.
 *
 * mqemitter fans out at most `concurrency` (aedes: 100) messages at once and queues the rest; when
 * one finishes, its `released` starts the next queued one on the same stack. When deliveries then
 * finish at once (in-process subscribers call `done` synchronously), each fan-out finishes and
 * starts the next inside the previous: the stack grows with the queue. The backpressure gate lets
 * up to `maxInFlight` (2,000) publishes in, so the queue reaches ~1,900, and the broker died with
 * "RangeError: Maximum call stack size exceeded" when a 1,000-device fleet's deliveries stalled
 * and then completed together (bench/fleet.bench.ts; backpressure.test.ts reproduces it).
 *
 * Past MAX_NESTED fan-outs on one stack, a fan-out waits in a FIFO drained on a fresh stack
 * (setImmediate), and every fan-out started while that FIFO is not empty joins its end: messages
 * fan out in the order the emitter started them, as before, only not all on one stack. */
import type { Aedes } from "aedes";

const MAX_NESTED = 64;

type FanOut = (that: unknown, matches: unknown, message: unknown, done: unknown) => void;

export function boundEmitterDepth(aedes: Aedes): void {
  const mq = (aedes as unknown as { mq: { _parallel?: FanOut; _do?: unknown } }).mq;
  // mqemitter 7 fans out through the instance's `_parallel` (from its `_do`): an update that
  // renames it must fail here, loudly, not lose the bound quietly.
  if (!mq || typeof mq._parallel !== "function" || typeof mq._do !== "function") {
    throw new Error("boundEmitterDepth: aedes's emitter is not the mqemitter this broker was written for (no _parallel/_do): check local/broker/emitterDepth.ts against the installed mqemitter");
  }
  const fanOut = mq._parallel;
  const waiting: Parameters<FanOut>[] = [];
  let nested = 0;
  let scheduled = false;
  const run = (args: Parameters<FanOut>) => {
    nested++;
    try {
      fanOut.apply(mq, args);
    } finally {
      nested--;
    }
  };
  const drain = () => {
    scheduled = false;
    while (waiting.length > 0 && nested < MAX_NESTED) run(waiting.shift()!);
    if (waiting.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };
  mq._parallel = (...args) => {
    if (waiting.length > 0 || nested >= MAX_NESTED) {
      waiting.push(args);
      return schedule();
    }
    run(args);
  };
}
