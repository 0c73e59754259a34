/** The fleet-status API: how a dashboard learns the fleet and each device's last status at page
 * load. AWS IoT delivers no retained message to a wildcard subscription and allows 50
 * subscriptions per connection, so a dashboard can't find thousands of devices over MQTT alone
 * (docs/aws-iot.md). Instead every status message is recorded per device (locally by the broker,
 * on AWS by a topic rule into DynamoDB, components/fleetStatusApi.ts) and read here in pages;
 * live changes still arrive on the `sf/{app}/+/_status` subscription.
 *
 *   GET {dashboard origin}/api/fleet-status?limit=N&after=CURSOR[&segment=I&segments=N]
 *   x-snapfleet-token: <dashboard token>
 *   → 200 {"devices": [DeviceStatusRecord…], "next": "CURSOR"?, "order": "thing"?}   (no `next`: last page)
 *   → 400 / 401 {"error": "…"}
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

/** Checks a page from the wire; throws naming the first bad field. */
export function decodeFleetStatusPage(value: unknown): FleetStatusPage {
  const page = value as Partial<FleetStatusPage> | null;
  if (typeof page !== "object" || page === null || !Array.isArray(page.devices)) throw new Error(`fleet status: expected {"devices": [...]}`);
  if (page.next !== undefined && typeof page.next !== "string") throw new Error(`fleet status: "next" must be a string`);
  if (page.order !== undefined && page.order !== "thing") throw new Error(`fleet status: "order" must be "thing" or absent, got ${JSON.stringify(page.order)}`);
  page.devices.forEach((d, i) => {
    const problem = recordProblem(d);
    if (problem) throw new Error(`fleet status: devices[${i}]: ${problem}`);
  });
  return { devices: page.devices, ...(page.next !== undefined ? { next: page.next } : {}), ...(page.order ? { order: page.order } : {}) };
}

function recordProblem(d: Partial<DeviceStatusRecord> | null | undefined): string | undefined {
  if (typeof d !== "object" || d === null) return "not an object";
  const thingProblem = checkName("thing", d.thing);
  if (thingProblem) return thingProblem;
  if (typeof d.online !== "boolean") return "online must be a boolean";
  if (typeof d.version !== "string") return "version must be a string";
  if (typeof d.bootId !== "string") return "bootId must be a string";
  if (typeof d.t !== "number" || typeof d.receivedAt !== "number") return "t and receivedAt must be numbers (unix ms)";
  return undefined;
}
