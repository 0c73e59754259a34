/** The app build the page shows: manifest.json and the web snapshot it names, fetched next to the
 * page (preloaded by page/index.html at start-up) and refused if the snapshot is not the one the
 * manifest describes (half-deployed site, cache mix-up), before any engine sees it. */
import type { Manifest } from "../../core/contracts/manifest";
import { deviceMaySend } from "../../core/policy/channelRights";

export interface AppBuild {
  manifest: Manifest;
  snapshot: Uint8Array;
}

export async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(path, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function loadAppBuild(): Promise<AppBuild> {
  return startLoadingAppBuild().build;
}

/** The manifest as soon as it is in (what the fleet table needs), and the build once the
 * snapshot is in and checked. */
export function startLoadingAppBuild(): { manifest: Promise<Manifest>; build: Promise<AppBuild> } {
  // Both files at once: a half-replaced build is caught by the check below either way.
  const snapshotResponse = fetchOk("web.snap");
  const manifest = fetchOk("manifest.json").then((response) => response.json() as Promise<Manifest>);
  const build = manifest.then(async (manifest) => {
    const expected = manifest.snapshots?.web;
    if (!expected) throw new Error("manifest.json has no web snapshot entry; rebuild with `snapfleet build`");
    const snapshot = new Uint8Array(await (await snapshotResponse).arrayBuffer());
    const actual = await sha256Hex(snapshot);
    if (snapshot.length !== expected.size || actual !== expected.sha256) {
      throw new Error(`web.snap (sha256 ${actual.slice(0, 12)}, ${snapshot.length} B) does not match manifest.json (${expected.sha256.slice(0, 12)}, ${expected.size} B); the build is being replaced, reload in a moment`);
    }
    return { manifest, snapshot };
  });
  // A failed snapshot is the build's to report (whoever awaits it), not an unhandled rejection.
  snapshotResponse.catch(() => undefined);
  build.catch(() => undefined);
  return { manifest, build };
}

/** The channels the fleet table can show: those devices send. */
export function tableChannels(manifest: Manifest): string[] {
  return manifest.channels.filter(deviceMaySend).map((c) => c.name);
}
