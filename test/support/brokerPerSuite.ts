/** For broker tests: one LocalBroker for a whole `describe`, on a state dir of its own. What it
 * refuses is collected in `refusals` (emptied before each test); what a test pushes on `open` is
 * closed after it; after the suite the broker stops and the state dir goes. Call it inside a
 * `describe`; a broker per test is brokerPerTest.ts. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LocalBroker, type BrokerRefusal, type LocalBrokerOptions } from "../../local/broker";

export function brokerPerSuite(name: string, options: Omit<LocalBrokerOptions, "stateDir" | "onRefusal">) {
  let stateDir = "";
  let broker: LocalBroker | undefined;
  const refusals: BrokerRefusal[] = [];
  const open: Array<() => Promise<unknown>> = [];
  // aws-crt connections hold native handles: every one must be closed or mocha never exits.
  const closeOpen = () => Promise.all(open.splice(0).map((close) => close().catch(() => undefined)));

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), `sf-${name}-`));
    broker = await LocalBroker.start({ stateDir, ...options, onRefusal: (r) => refusals.push(r) });
  });
  beforeEach(() => {
    refusals.length = 0;
  });
  afterEach(closeOpen);
  after(async () => {
    await closeOpen();
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  return {
    get broker(): LocalBroker {
      if (!broker) throw new Error("brokerPerSuite: the broker starts in the suite's before hook; use it in a test or a later hook");
      return broker;
    },
    get stateDir(): string {
      return stateDir;
    },
    refusals,
    /** Closers run after each test. */
    open,
  };
}
