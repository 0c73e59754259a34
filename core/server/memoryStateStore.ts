/** A ServerStateStore in memory, with the conditional write the real stores have: for tests and
 * benches of the server host alone. */
import type { ServerStateStore, ServerVmState } from "./serverHost";

export class MemoryStateStore implements ServerStateStore {
  readonly states = new Map<string, ServerVmState>();

  load(key: string): ServerVmState | undefined {
    return this.states.get(key);
  }

  save(key: string, state: ServerVmState, expectedVersion: number): boolean {
    if ((this.states.get(key)?.version ?? 0) !== expectedVersion) return false;
    this.states.set(key, state);
    return true;
  }
}
