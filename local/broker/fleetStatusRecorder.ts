/** Records every device's status message into a FleetStatusTable, in process, the way the AWS
 * deployment's topic rule records them into DynamoDB (components/fleetStatusApi.ts). Dashboards
 * read the table through the fleet-status API (core/contracts/fleetStatus.ts), since a wildcard
 * subscription gets no retained status on AWS (exactRetained.ts). At start the table is filled
 * from the broker's retained status messages, so a broker with a persistent store (or a restart
 * of the recorder) doesn't forget devices that are offline now. */
import type { Readable } from "node:stream";
import type { Aedes, PublishPacket } from "aedes";
import { decodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { parseAppTopic, topics } from "../../core/contracts/topics";
import { FleetStatusTable } from "../../core/fleetStatus";

export async function recordFleetStatus(aedes: Aedes, app: string, log: (line: string) => void, now: () => number = Date.now): Promise<FleetStatusTable> {
  const table = new FleetStatusTable();
  const filter = topics.status(app, "+");
  /** A retained status read at start has no receive time: its sender's time stands in. */
  const record = (packet: Pick<PublishPacket, "topic" | "payload">, retained = false) => {
    const parsed = parseAppTopic(packet.topic);
    if (parsed?.kind !== "status" || parsed.app !== app) return;
    try {
      const payload = packet.payload as Buffer;
      table.apply(parsed.thing, payload, retained ? decodeDeviceStatus(payload).t : now());
    } catch (error) {
      log(`fleet status: ignored the status on ${packet.topic}: ${(error as Error).message}`);
    }
  };
  // `persistence` is public in aedes but missing from its type declarations.
  const persistence = (aedes as unknown as { persistence: { createRetainedStream(pattern: string): Readable } }).persistence;
  for await (const packet of persistence.createRetainedStream(filter)) record(packet as PublishPacket, true);
  await new Promise<void>((resolve) =>
    aedes.subscribe(
      filter,
      (packet, done) => {
        record(packet);
        done();
      },
      resolve,
    ),
  );
  return table;
}
