import type { Manifest } from "../core/contracts/manifest";
import { DEFAULT_BOARD } from "../core/boards";

/** A plain-text table; columns sized to their content. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

/** What `snapfleet build` prints: every declaration and the size of each snapshot. */
export function describeBuild(manifest: Manifest, outDir: string): string {
  const rows: (string | number)[][] = [
    ...manifest.channels.map((c) => ["channel", c.name, `qos ${c.qos}, ${c.direction}${c.replay ? `, replay ${c.replay}` : ""}${c.history ? `, history ${c.history.days} day${c.history.days === 1 ? "" : "s"}` : ""}`]),
    ...manifest.secrets.map((s) => ["secret", s.name, s.optional ? "optional, device only" : "device only"]),
    ...(manifest.settings ?? []).map((s) => ["setting", s.name, `default ${JSON.stringify(s.default)}${s.min !== undefined ? `, min ${s.min}` : ""}${s.max !== undefined ? `, max ${s.max}` : ""}`]),
    ...manifest.pins.map((p) => ["pin", p.name, p.kind]),
    ...manifest.controls.map((c) => ["ui control", c.title, `#${c.index}`]),
    ...(["onDevice", "onFleet"] as const)
      .filter((kind) => manifest.server?.[kind])
      .map((kind) => ["server code", kind, `${manifest.server![kind]} handler${manifest.server![kind] === 1 ? "" : "s"}`]),
  ];
  const sizes = (["device", "web", "server"] as const).map((t) => [t, `${manifest.snapshots[t].size} B`, manifest.snapshots[t].sha256.slice(0, 12)]);
  return [
    `app ${manifest.app}  version ${manifest.version.slice(0, 12)}  board ${manifest.board ?? DEFAULT_BOARD.name}  engine ${manifest.engine}`,
    "",
    table(["declared", "name", "details"], rows),
    "",
    table(["snapshot", "size", "sha256"], sizes),
    "",
    `wrote ${outDir}/manifest.json, device.snap, web.snap, server.snap`,
  ].join("\n");
}
