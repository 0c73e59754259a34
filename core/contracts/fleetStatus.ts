/** The fleet-status API: how a dashboard learns the fleet and each device's last status at page
 * load. AWS IoT delivers no retained message to a wildcard subscription and allows 50
 * subscriptions per connection, so a dashboard can't find thousands of devices over MQTT alone
 * (docs/aws-iot.md). Instead every status message is recorded per device (locally by the broker,
 * on AWS by a topic rule into DynamoDB, components/fleetStatusApi.ts) and read here in pages;
 * live changes still arrive on the `sf/{app}/+/_status` subscription.
 *
 *   GET {dashboard origin}/api/fleet-status?limit=N&after=CURSOR[&segment=I&segments=N]
 *   x-snapfleet-token: <dashboard token>
 *   → 200 {"thing": […], "online": [1, 0, …], "versions": […], "version": [0, …], "bootId": […],
 *          "t": […], "receivedAt": […], "next": "CURSOR"?, "order": "thing"?}   (no `next`: last page)
 *   → 400 / 401 {"error": "…"}
 *
 * A page is one array per field of DeviceStatusRecord (element i of each is device i), and
 * `version` indexes `versions` (a fleet runs a few versions, each a 40-character hash): a page of
 * 1,000 is about a third of the same records as objects, and the dashboard parses it in a third
 * of the time (FleetStatusWirePage, encodeFleetStatusPage / decodeFleetStatusPage).
 *
 * The token travels in a header of its own (not `Authorization`, which CloudFront re-signs for
 * its origin, nor the query string, which ends up in access logs). */
import { checkName } from "./names";

export const FLEET_STATUS_PATH = "api/fleet-status";
export const FLEET_STATUS_TOKEN_HEADER = "x-snapfleet-token";
export const DEFAULT_FLEET_STATUS_PAGE = 500;
/** At ~150 B a record, a full page is ~150 KB: well inside Lambda's 6 MB response and DynamoDB's 1 MB Scan page. */
export const MAX_FLEET_STATUS_PAGE = 1000;
/** A page can list one segment of the fleet (`segment=I&segments=N`, I in 0..N-1): the segments
 * are disjoint and together hold every device, each paged with its own cursor, so a dashboard
 * reads them side by side instead of one page after another (DynamoDB's parallel scan,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan;
 * locally a hash of the thing name). */
export const MAX_FLEET_STATUS_SEGMENTS = 16;

/** The dashboard lists the fleet in this many segments side by side: 10,000 devices take 2 round
 * trips instead of 10 one after another. More would queue behind the browser's 6 connections per
 * host on HTTP/1.1 (the local server). */
export const DASHBOARD_LISTING_SEGMENTS = 6;

export interface FleetSegment {
  index: number;
  count: number;
}

/** A device's last known status (core/contracts/deviceStatus.ts) plus when the cloud received it. */
export interface DeviceStatusRecord {
  thing: string;
  online: boolean;
  /** The installed version; kept from an earlier status when a last will says "" (it can't know). */
  version: string;
  bootId: string;
  /** Sender's time (unix ms), as in the status message. */
  t: number;
  /** When the cloud recorded the message (unix ms): orders messages and tells "last seen". */
  receivedAt: number;
}

export interface FleetStatusPage {
  devices: DeviceStatusRecord[];
  /** Opaque cursor for the next page (pass it as `after`); absent on the last page. */
  next?: string;
  /** "thing": the store lists in thing-name order (the local table), so the first page of the
   * unsegmented listing holds the fleet's first names and the dashboard can draw its first
   * screen from it before the rest arrives. Absent: no order (DynamoDB's Scan, in hash order). */
  order?: "thing";
}

/** The rows the dashboard asks for first, unsegmented, to draw its first screen in name order
 * while the segments are listed: more than a tall window shows (34 px a row). */
export const FIRST_SCREEN_ROWS = 100;

/** A page as the API sends it (the header comment says why columns). */
export interface FleetStatusWirePage {
  thing: string[];
  online: (0 | 1)[];
  versions: string[];
  /** Index into `versions`. */
  version: number[];
  bootId: string[];
  t: number[];
  receivedAt: number[];
  next?: string;
  order?: "thing";
}

const COLUMNS = ["thing", "online", "version", "bootId", "t", "receivedAt"] as const;

export function encodeFleetStatusPage(page: FleetStatusPage): FleetStatusWirePage {
  const versions = new Map<string, number>();
  const versionIndex = (version: string) => {
    let index = versions.get(version);
    if (index === undefined) versions.set(version, (index = versions.size));
    return index;
  };
  const { devices } = page;
  return {
    thing: devices.map((d) => d.thing),
    online: devices.map((d) => (d.online ? 1 : 0)),
    version: devices.map((d) => versionIndex(d.version)),
    versions: [...versions.keys()],
    bootId: devices.map((d) => d.bootId),
    t: devices.map((d) => d.t),
    receivedAt: devices.map((d) => d.receivedAt),
    ...(page.next !== undefined ? { next: page.next } : {}),
    ...(page.order ? { order: page.order } : {}),
  };
}

/** Checks a page from the wire; throws naming the first bad field (and device). */
export function decodeFleetStatusPage(value: unknown): FleetStatusPage {
  const page = value as Partial<FleetStatusWirePage> | null;
  if (typeof page !== "object" || page === null || !Array.isArray(page.thing)) throw new Error(`fleet status: expected {"thing": [...], "online": [...], ...} (a page of columns)`);
  const count = page.thing.length;
  for (const column of [...COLUMNS, "versions"] as const) {
    const values = page[column];
    if (!Array.isArray(values) || (column !== "versions" && values.length !== count)) throw new Error(`fleet status: "${column}" must be an array${column === "versions" ? "" : ` of ${count} (one per thing)`}`);
  }
  if (page.next !== undefined && typeof page.next !== "string") throw new Error(`fleet status: "next" must be a string`);
  if (page.order !== undefined && page.order !== "thing") throw new Error(`fleet status: "order" must be "thing" or absent, got ${JSON.stringify(page.order)}`);
  const { online, versions, version, bootId, t, receivedAt } = page as FleetStatusWirePage;
  const devices = page.thing.map((thing, i): DeviceStatusRecord => {
    const record = { thing, online: online[i] === 1 ? true : online[i] === 0 ? false : undefined, version: versions[version[i]], bootId: bootId[i], t: t[i], receivedAt: receivedAt[i] };
    const problem = recordProblem(record as Partial<DeviceStatusRecord>);
    if (problem) throw new Error(`fleet status: device ${i} (${JSON.stringify(String(thing).slice(0, 80))}): ${problem}`);
    return record as DeviceStatusRecord;
  });
  return { devices, ...(page.next !== undefined ? { next: page.next } : {}), ...(page.order ? { order: page.order } : {}) };
}

function recordProblem(d: Partial<DeviceStatusRecord> | null | undefined): string | undefined {
  if (typeof d !== "object" || d === null) return "not an object";
  const thingProblem = checkName("thing", d.thing);
  if (thingProblem) return thingProblem;
  if (typeof d.online !== "boolean") return "online must be 1 or 0";
  if (typeof d.version !== "string") return "version must index versions";
  if (typeof d.bootId !== "string") return "bootId must be a string";
  if (typeof d.t !== "number" || typeof d.receivedAt !== "number") return "t and receivedAt must be numbers (unix ms)";
  return undefined;
}
