/** MQTT client ids of the non-device participants. Devices connect with their thing name, so
 * these ids are what keeps a dashboard or the server from taking over a device's session
 * (AWS disconnects the older connection when a client id is reused). A thing must therefore not
 * be named like them: see `isReservedClientId`. */
export function dashboardClientIdPrefix(app: string): string {
  return `sf-${app}-dashboard-`;
}

/** One id per browser tab/session: the suffix keeps two open dashboards from kicking each other. */
export function dashboardClientId(app: string, sessionSuffix: string): string {
  return `${dashboardClientIdPrefix(app)}${sessionSuffix}`;
}

export function serverClientId(app: string): string {
  return `sf-${app}-server`;
}

/** Boards provisioning by claim connect as `sf-{app}-claim-{serial}` (the claim policy allows no other id). */
export function claimClientIdPrefix(app: string): string {
  return `sf-${app}-claim-`;
}

/** True when a thing with this name could not connect safely because its client id is one the
 * dashboard, server or claim policy allows. */
export function isReservedClientId(app: string, thingName: string): boolean {
  return thingName.startsWith(dashboardClientIdPrefix(app)) || thingName === serverClientId(app) || thingName.startsWith(claimClientIdPrefix(app));
}
