/** Bounds how deep aedes's emitter (mqemitter) starts queued messages on one stack.
 *
 * mqemitter fans out at most `concurrency` (aedes: 100) messages at once and queues the rest; when
 * one finishes, its `released` starts the next queued one on the same stack. When deliveries then
 * finish at once (in-process subscribers call `done` synchronously), each start finishes and
 * starts the next inside the previous: the stack grows with the queue. The backpressure gate lets
 * up to `maxInFlight` (2,000) publishes in, so the queue reaches ~1,900, and the broker died with
 * "RangeError: Maximum call stack size exceeded" when a 1,000-device fleet's deliveries stalled
 * and then completed together (bench/fleet.bench.ts; backpressure.test.ts reproduces it).
 *
 * Past MAX_NESTED starts, a start goes back to the front of the queue with its slot still taken,
 * and `released` is called again on a fresh stack (setImmediate): as if the finish that started it
 * had come a moment later. Nothing overtakes it: a finish meanwhile takes it first from the
 * queue's front, and the deferred `released` then starts the next one. */
import type { Aedes } from "aedes";

const MAX_NESTED = 64;

interface EmitterInternals {
  current: number;
  _messageQueue: unknown[];
  _messageCallbacks: unknown[];
  _released: () => void;
  _do: (message: unknown, callback: unknown) => unknown;
}

export function boundEmitterDepth(aedes: Aedes): void {
  const mq = (aedes as unknown as { mq: EmitterInternals }).mq;
  // These are mqemitter 7's internals: an update that renames them must fail here, loudly.
  if (!mq || typeof mq.current !== "number" || !Array.isArray(mq._messageQueue) || !Array.isArray(mq._messageCallbacks) || typeof mq._released !== "function" || typeof mq._do !== "function") {
    throw new Error("boundEmitterDepth: aedes's emitter is not the mqemitter this broker was written for (current, _messageQueue, _messageCallbacks, _released, _do): check local/broker/emitterDepth.ts against the installed mqemitter");
  }
  const start = mq._do.bind(mq);
  let nested = 0;
  mq._do = (message, callback) => {
    if (nested >= MAX_NESTED) {
      mq._messageQueue.unshift(message);
      mq._messageCallbacks.unshift(callback);
      mq.current++;
      setImmediate(() => mq._released());
      return mq;
    }
    nested++;
    try {
      return start(message, callback);
    } finally {
      nested--;
    }
  };
}
