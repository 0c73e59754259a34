import fs from "node:fs";

/** What a simulated analog pin reads over time. */
export type PinModel = (timeMs: number) => number;

export const constantModel = (value: number): PinModel => () => value;

/** Oscillates between min and max with the given period (seconds). */
export const sineModel = (min: number, max: number, periodSeconds = 60): PinModel => (t) =>
  min + ((max - min) * (1 + Math.sin((2 * Math.PI * t) / (periodSeconds * 1000)))) / 2;

/** Replays a CSV of `seconds,value` rows (a header row is allowed), holding each value until the
 * next row and looping at the end. */
export function csvModel(file: string): PinModel {
  const rows = fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.split(",").map((c) => c.trim()))
    .filter((cells) => cells.length >= 2 && cells[0] !== "" && !Number.isNaN(Number(cells[0])) && !Number.isNaN(Number(cells[1])))
    .map(([s, v]) => ({ at: Number(s) * 1000, value: Number(v) }));
  if (rows.length === 0) throw new Error(`${file}: no "seconds,value" rows found`);
  const span = rows[rows.length - 1].at + 1000;
  // The trace starts at the first reading: a device's clock is the time of day, so `t % span`
  // began at a row the wall clock chose (and another one on each runtime).
  let origin: number | undefined;
  return (t) => {
    origin ??= t;
    const local = (t - origin) % span;
    let value = rows[0].value;
    for (const row of rows) if (row.at <= local) value = row.value;
    return value;
  };
}

/** Parses a CLI pin spec: `A2=sine:20:30[:period]`, `A2=const:21.5`, `A2=csv:file.csv`. */
export function parsePinSpec(spec: string): { pin: string; model: PinModel } {
  const m = /^([A-Za-z][A-Za-z0-9_]*)=(\w+)(?::(.*))?$/.exec(spec);
  if (!m) throw new Error(`pin spec "${spec}" is invalid; use PIN=sine:MIN:MAX[:PERIOD_S], PIN=const:VALUE or PIN=csv:FILE`);
  const [, pin, kind, rest = ""] = m;
  const nums = rest.split(":").filter((s) => s !== "").map(Number);
  const bad = () => new Error(`pin spec "${spec}": ${kind} needs ${kind === "sine" ? "MIN:MAX[:PERIOD_S]" : "VALUE"} as numbers`);
  switch (kind) {
    case "sine":
      if (nums.length < 2 || nums.some(Number.isNaN)) throw bad();
      return { pin, model: sineModel(nums[0], nums[1], nums[2] ?? 60) };
    case "const":
      if (nums.length !== 1 || Number.isNaN(nums[0])) throw bad();
      return { pin, model: constantModel(nums[0]) };
    case "csv":
      if (!rest) throw new Error(`pin spec "${spec}": csv needs a file, e.g. A2=csv:temps.csv`);
      if (!fs.existsSync(rest) || !fs.statSync(rest).isFile()) {
        throw new Error(`pin spec "${spec}": ${rest} can't be read (${fs.existsSync(rest) ? "a folder, not a file" : "no such file"}); give a CSV file of seconds,value rows`);
      }
      return { pin, model: csvModel(rest) };
    default:
      throw new Error(`pin spec "${spec}": unknown model "${kind}"; use sine, const or csv`);
  }
}
