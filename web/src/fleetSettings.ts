/** The dashboard's side of settings (core/settings): each device's settings shadow, read and
 * written through AWS's Device Shadow MQTT API over the page's MQTT connection (the same custom
 * authorizer path as everything else on AWS). Four subscriptions for the whole fleet
 * (`$aws/things/+/shadow/name/{app}-settings/...`): `get/accepted` and `update/documents` bring a
 * device's reported values to its card, `get/rejected` says it has none yet, `update/rejected`
 * answers a set this page made. `set` is the one place a value leaves the dashboard: changing a
 * setting is an operator's action (core/contracts/dashboardRoles.ts), refused here with the reason
 * before the broker would refuse it (AWS IoT disconnects a client that publishes where its policy
 * denies). */
import type { Manifest } from "../../core/contracts/manifest";
import { settingsShadowName, type SettingValue } from "../../core/settings/settingDecl";
import { observerSettingsShadowRights } from "../../core/policy/settingsShadowRights";
import { parseShadowTopic, shadowTopics } from "../../core/shadow/shadowTopics";
import { roleMay, type DashboardRole } from "../../core/contracts/dashboardRoles";
import type { FleetLink } from "./fleet";

/** What a device card does with its shadow. */
export interface SettingsView {
  /** The device's reported values (all of them; `{}` when it has reported none yet). */
  showSettings(reported: Record<string, unknown>): void;
  /** A set from this page was refused by the shadow service. */
  showSettingError(message: string): void;
}

export class FleetSettings {
  private readonly page = Math.random().toString(36).slice(2, 10);
  private requests = 0;

  constructor(
    private readonly app: string,
    private readonly manifest: () => Manifest,
    private readonly link: FleetLink,
    private readonly role: DashboardRole,
    private readonly view: (thing: string) => SettingsView | undefined,
  ) {}

  get enabled(): boolean {
    return (this.manifest().settings?.length ?? 0) > 0;
  }

  subscribe(): void {
    if (!this.enabled) return;
    for (const topic of observerSettingsShadowRights(this.app, "+", this.role === "operator").receive) this.link.subscribe(topic, 1);
  }

  /** Asks for a device's shadow (a new card, or after a reconnect). */
  requestShadow(thing: string): void {
    if (this.enabled) this.link.publish(shadowTopics.request(thing, settingsShadowName(this.app), "get"), JSON.stringify({ clientToken: this.token() }), 1);
  }

  /** The card validated the value (core/settings); this asks the device for it. */
  set(thing: string, name: string, value: SettingValue): void {
    const may = roleMay(this.role, "settings:change");
    if (!may.allowed) throw new Error(`setting "${name}" of ${thing} was not changed: ${may.reason}`);
    const body = JSON.stringify({ state: { desired: { [name]: value } }, clientToken: this.token() });
    if (!this.link.publish(shadowTopics.request(thing, settingsShadowName(this.app), "update"), body, 1)) {
      throw new Error(`not connected: setting "${name}" of ${thing} was not sent; try again when the dashboard is live`);
    }
  }

  /** True when the message was a settings shadow answer (handled here). */
  receive(topic: string, payload: Uint8Array): boolean {
    const parsed = parseShadowTopic(topic);
    if (!parsed || parsed.shadow !== settingsShadowName(this.app) || parsed.response === undefined) return false;
    const view = this.view(parsed.thing);
    if (!view) return true;
    let body: Record<string, any>;
    try {
      body = JSON.parse(new TextDecoder().decode(payload)) as Record<string, any>;
    } catch {
      console.warn(`ignored a settings shadow message on ${topic}: not JSON`);
      return true;
    }
    const where = `${parsed.op}/${parsed.response}`;
    if (where === "get/accepted") view.showSettings(body.state?.reported ?? {});
    else if (where === "update/documents") view.showSettings(body.current?.state?.reported ?? {});
    else if (where === "get/rejected" && body.code === 404) view.showSettings({});
    else if (where === "update/rejected" && typeof body.clientToken === "string" && body.clientToken.startsWith(`${this.page}-`)) {
      view.showSettingError(`the settings shadow refused the change: ${body.code} ${body.message}`);
    }
    return true;
  }

  private token(): string {
    return `${this.page}-${++this.requests}`;
  }
}
