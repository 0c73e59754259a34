import type { Target } from "../../core/contracts/manifest";
import type { WireValue } from "../../core/contracts/wireValue";
import type { MicroviumEngine, VmPrimitive } from "../../core/engine/types";
import { FeatureVm, type FeatureHost } from "../../core/runtime/featureVm";

/** Runs a (possibly corrupt) feature snapshot the way its host would: restore, then every kind of
 * event the target's host sends, a few times over. Shared by the snapshot fuzzer
 * (bench/fuzz-snapshots.ts) and the test replaying the snapshots it found hanging
 * (test/corruptSnapshots.test.ts), so that a fixture replays exactly the calls that hung. */

export type ExerciseOutcome =
  /** Restored, and every call returned. */
  | { kind: "ok" }
  /** Restore or at least one call threw; `errors` names each distinct error once. */
  | { kind: "throws"; errors: string[] };

/** Channel, control and widget-slot indices tried: more than a feature has, so corrupt code that
 * reads past its tables is reached too. */
const INDICES = [0, 1, 2, 3, 4, 5];
const MESSAGES: WireValue[] = [21.5, "on", true, null, { level: 3, tags: ["a", "b"] }];
const ROUNDS = 3;

/** Told before each call into the VM and on each host call, so that a watchdog can see a call
 * that never returns, and tell a VM stuck in its own code from one looping through the host. */
export interface ExerciseProgress {
  call(): void;
  hostCall(): void;
}

export function exerciseSnapshot(
  engine: MicroviumEngine,
  snapshot: Uint8Array,
  target: Target,
  instructionBudget: number | undefined,
  progress: ExerciseProgress,
): ExerciseOutcome {
  const errors = new Set<string>();
  const attempt = (fn: () => void) => {
    progress.call();
    try {
      fn();
    } catch (error) {
      errors.add(describeError(error));
    }
  };
  const host = new FuzzHost(() => progress.hostCall());
  let vm: FeatureVm | undefined;
  attempt(() => {
    vm = new FeatureVm(engine, snapshot, target, host, { instructionBudget });
  });
  if (!vm) return { kind: "throws", errors: [...errors] };
  const app = vm;

  if (target === "device") attempt(() => app.start());
  if (target === "web") for (const control of INDICES) attempt(() => app.render(control));
  for (let round = 0; round < ROUNDS; round++) {
    for (const slot of host.timers()) attempt(() => app.timerFired(slot));
    for (const channel of INDICES) for (const message of MESSAGES) attempt(() => app.deliver(channel, message));
    if (target === "web") for (const slot of INDICES) attempt(() => app.uiEvent(slot, round % 2 === 0 ? true : 42));
    if (target === "device") attempt(() => app.handleClosed(round + 1));
  }
  attempt(() => app.dispose());
  return errors.size === 0 ? { kind: "ok" } : { kind: "throws", errors: [...errors] };
}

/** "ClassName: message", with numbers in the message masked, so that the same failure from
 * different snapshots counts once in a summary. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error thrown: ${typeof error}`;
  const message = error.message.split("\n")[0].replace(/\d+/g, "N");
  return `${error.name}: ${message.length > 140 ? `${message.slice(0, 140)}…` : message}`;
}

/** Serves every host function of every target with plausible values, and keeps nothing that
 * grows with the calls made. */
class FuzzHost implements FeatureHost {
  private readonly timerSlots = new Set<number>();

  constructor(private readonly called: () => void) {}

  timers(): number[] {
    return [...this.timerSlots];
  }

  log(): void {
    this.called();
  }
  now(): number {
    this.called();
    return 1_700_000_000_000;
  }
  networkRequest(): number {
    this.called();
    return 1;
  }
  channelOpen(): number {
    this.called();
    return 2;
  }
  channelSend(): number {
    this.called();
    return 0;
  }
  pinOpen(): number {
    this.called();
    return 3;
  }
  pinRead(): number {
    this.called();
    return 21.5;
  }
  pinWrite(): void {
    this.called();
  }
  timerStart(slot: number): void {
    this.called();
    // A corrupt snapshot may pass anything as a slot: keep a few sane ones.
    if (Number.isInteger(slot) && slot >= 0 && slot < 64 && this.timerSlots.size < 8) this.timerSlots.add(slot);
  }
  timerStop(slot: number): void {
    this.called();
    this.timerSlots.delete(slot);
  }
  sendToDevice(): void {
    this.called();
  }
  ui(): VmPrimitive | void {
    this.called();
    return 0;
  }
}
