/** A broker in a process of its own, so the load bench and tests measure its memory and CPU
 * alone: `snapfleet` (LocalBroker, every message authorized by the IoT policies) or `aedes`
 * (plain aedes, the version in package.json, behind the same mutual-TLS listener, no hooks). Started by brokerLoad.ts with
 * the state dir (PKI and thing registry already there); says its port on IPC, then answers
 * "stats" messages with its memory and (snapfleet) its load counters. */
import { Aedes } from "aedes";
import type { Manifest } from "../../../core/contracts/manifest";
import { LocalBroker } from "../../../local/broker";
import { createMqttsServer } from "../../../local/broker/mqttsListener";
import { ensureLocalPki } from "../../../local/certificates";
import type { AddressInfo } from "node:net";

export interface BrokerProcessArgs {
  kind: "snapfleet" | "aedes";
  stateDir: string;
  app: string;
  manifest: Manifest;
  /** snapfleet only: LocalBrokerOptions.load. */
  load?: Record<string, number>;
}

export interface BrokerStats {
  rss: number;
  heapUsed: number;
  cpuMs: number;
  load?: Record<string, number>;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as BrokerProcessArgs;
  let port: number;
  let stats: () => Record<string, number> | undefined = () => undefined;
  let stop: () => Promise<void>;
  if (args.kind === "snapfleet") {
    const broker = await LocalBroker.start({ stateDir: args.stateDir, app: args.app, manifest: args.manifest, ...(args.load ? { load: args.load } : {}) });
    port = broker.mqttsPort;
    stats = () => ({ ...broker.loadStats() });
    stop = () => broker.stop();
  } else {
    const pki = await ensureLocalPki(args.stateDir);
    const aedes = await Aedes.createBroker({ maxClientsIdLength: 128 });
    const server = createMqttsServer(pki, (socket) => aedes.handle(socket), () => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    stop = async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }
  process.on("message", (message: string) => {
    if (message === "stats") {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const reply: BrokerStats = { rss: memory.rss, heapUsed: memory.heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, load: stats() };
      process.send!({ stats: reply });
    } else if (message === "gc") {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!({ gc: true });
    } else if (message === "stop") {
      void stop().then(() => process.exit(0));
    }
  });
  process.send!({ port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
