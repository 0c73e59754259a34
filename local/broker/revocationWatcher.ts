/** Shuts out, while the broker runs, the devices whose certificate another process revoked or
 * detached (`snapfleet devices revoke` writes the registry file while `snapfleet dev` runs). AWS:
 * "Within a few minutes of updating a certificate from the ACTIVE state to any other state, AWS IoT
 * disconnects all devices that used that certificate to connect"
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateCertificate.html); locally it is
 * within a poll. The poll is one stat of the registry file a second, reading it only when it
 * changed (ThingRegistry.refreshIfChanged); fs.watch would miss the rename a write makes on some
 * platforms. Every connected thing is checked again only when the registry's view changed. */
import type { Aedes, Client } from "aedes";
import type { ThingRegistry } from "../registry";
import { REVOKED, shortFingerprint } from "./identify";
import type { ConnectedThing } from "./policyHooks";

/** How often the registry file is looked at: the brief's "within about a second". */
export const REGISTRY_POLL_MS = 1000;
/** MQTT 5 reason code 0x87 Not authorized, with which an MQTT 5 client is told before the close. */
const NOT_AUTHORIZED_V5 = 0x87;

export class RevocationWatcher {
  private readonly timer: NodeJS.Timeout;
  private polling = false;
  private checkedGeneration: number;
  /** The last failure logged (a corrupt file by hand, say): logged once, not every second. */
  private lastProblem: string | undefined;

  constructor(
    private readonly registry: Pick<ThingRegistry, "refreshIfChanged" | "generation" | "isRevoked" | "thingsAttachedTo">,
    private readonly aedes: Aedes,
    private readonly thingOf: (client: Client) => ConnectedThing | undefined,
    private readonly log: (line: string) => void,
    intervalMs = REGISTRY_POLL_MS,
  ) {
    this.checkedGeneration = registry.generation;
    this.timer = setInterval(() => void this.poll(), intervalMs);
    // The broker's stop() ends it; it must not keep a process alive on its own.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One at a time: a slow disk makes polls wait, never pile up. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.registry.refreshIfChanged();
      this.lastProblem = undefined;
      // Also when a write of the broker's own took another process's edits in (provisioning).
      if (this.registry.generation !== this.checkedGeneration) {
        this.checkedGeneration = this.registry.generation;
        this.closeShutOut();
      }
    } catch (error) {
      const problem = (error as Error).message;
      if (problem !== this.lastProblem) this.log(`broker: could not read the thing registry to look for revoked certificates: ${problem}`);
      this.lastProblem = problem;
    } finally {
      this.polling = false;
    }
  }

  private closeShutOut(): void {
    // aedes.clients: connected clients by client id (not in its types).
    const clients = (this.aedes as unknown as { clients: Record<string, Client> }).clients;
    for (const client of Object.values(clients)) {
      const thing = this.thingOf(client);
      const reason = thing && this.shutOutReason(thing);
      if (!thing || !reason || client.closed) continue;
      this.log(`broker: closed the connection of client "${client.id}" (thing "${thing.thingName ?? "-"}"): ${reason}`);
      // A 3.1.1 client is just closed (it has no server DISCONNECT); an MQTT 5 one is told why first.
      client.disconnect({ reasonCode: NOT_AUTHORIZED_V5, properties: { reasonString: reason } });
    }
  }

  /** Why the client may no longer be connected, else undefined. */
  private shutOutReason({ fingerprint, thingName }: ConnectedThing): string | undefined {
    if (this.registry.isRevoked(fingerprint)) return `${REVOKED} ${shortFingerprint(fingerprint)}`;
    const attached = this.registry.thingsAttachedTo(fingerprint);
    if (thingName !== undefined && !attached.includes(thingName)) return `its certificate is no longer attached to thing "${thingName}"`;
    if (!attached.length) return "its certificate is no longer attached to any thing of the fleet";
    return undefined;
  }
}
