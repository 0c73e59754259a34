/** What the session store costs per QoS 1 delivery to a persistent session, the store alone
 * (local/broker/sessionStore.ts over LevelDB, local/broker/coalescedLevel.ts): the calls aedes
 * makes for each (enqueue, update with the message id, clear on PUBACK), 64 deliveries at a
 * time to 1,000 clients, as when a fleet starts and the Jobs service answers every device.
 * CPU of this whole process (main thread and LevelDB's work on libuv's thread pool).
 * `node --import tsx bench/sessionWrites.bench.ts [deliveries]` */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Aedes } from "aedes";
import { SessionStore } from "../local/broker/sessionStore";

const DELIVERIES = Number(process.argv[2] ?? 6000);
const AT_ONCE = 64;
const CLIENTS = 1000;

async function main(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-session-writes-"));
  const store = await SessionStore.open({ stateDir, limits: { queuedPerSecond: 1e9 } });
  const persistence = store.persistence;
  await persistence.setup({ id: "bench" } as unknown as Aedes);
  let next = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const deliverer = async () => {
    for (let i = next++; i < DELIVERIES; i = next++) {
      const clientId = `sim-${i % CLIENTS}`;
      const topic = `$aws/things/${clientId}/jobs/notify-next`;
      const packet = { cmd: "publish", topic, payload: Buffer.alloc(300, 1), qos: 1, retain: false, dup: false, brokerId: store.brokerId, brokerCounter: i + 1 };
      await persistence.outgoingEnqueueCombi([{ clientId, topic, qos: 1 }], packet);
      const sent = { ...packet, messageId: (i % 60_000) + 1 };
      await persistence.outgoingUpdate({ id: clientId }, sent);
      await new Promise((resolve) => setTimeout(resolve, 1)); // the PUBACK's round trip
      await persistence.outgoingClearMessageId({ id: clientId }, { messageId: sent.messageId });
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, deliverer));
  const used = process.cpuUsage(cpu);
  const left = Array.from({ length: CLIENTS }, (_, k) => store.queued(`sim-${k}`)).reduce((a, b) => a + b, 0);
  if (left !== 0) throw new Error(`${left} deliveries still queued: the bench lost track`);
  console.log(`session store, ${DELIVERIES} QoS 1 deliveries to persistent sessions: ${((used.user + used.system) / DELIVERIES).toFixed(0)} µs of CPU each, ${(performance.now() - t0).toFixed(0)} ms in all (load average ${os.loadavg()[0].toFixed(1)})`);
  await store.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
}

void main();
