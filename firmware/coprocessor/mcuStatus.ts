/** The MCU's retained status as the co-processor relayed it, so the co-processor can say it again
 * when the cloud's retained status contradicts it: the device's last will can be published after
 * the MCU's online status (AWS publishes the old connection's will when the same client id
 * connects again: DUPLICATE_CLIENTID, https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html),
 * and AWS may deliver out of order. The networked native device and the TypeScript device answer
 * it themselves (contradictsRunningBoot); on the board the network half is the co-processor's,
 * so it answers for the MCU, with the MCU's own last status, while the link is up. */
import { contradictsRunningBoot, decodeDeviceStatus } from "../../core/contracts/deviceStatus";

export class McuStatus {
  /** The MCU's last status (topic and payload as it sent them), while it is known running. */
  private said: { topic: string; payload: string; bootId: string; online: boolean } | undefined;

  /** The MCU published `payload` on its status topic. */
  relayed(topic: string, payload: string): void {
    try {
      const { bootId, online } = decodeDeviceStatus(payload);
      this.said = { topic, payload, bootId, online };
    } catch {
      this.said = undefined; // not the MCU's status as we know it: nothing to say for it
    }
  }

  /** The MCU's last status said it runs (its app started). */
  get online(): boolean {
    return this.said?.online === true;
  }

  /** The link fell or the MCU restarted: what it said no longer holds. */
  forget(): void {
    this.said = undefined;
  }

  /** The cloud's message on the MCU's status topic: the status to publish again for the MCU (a
   * late offline of another boot or link while the MCU says online), or undefined. */
  answer(heard: string): { topic: string; payload: string } | undefined {
    const said = this.said;
    if (!said?.online || !contradictsRunningBoot(heard, said.bootId)) return undefined;
    return { topic: said.topic, payload: said.payload };
  }
}
