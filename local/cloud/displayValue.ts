/** A channel value as a person reads it in a status line: JSON, with every number rounded to
 * what a glance needs (23.456789123 → 23.46, 0.30000000000000004 → 0.3, 0.000123456 → 0.000123).
 * Only for display: channels carry values unchanged. */
export function displayValue(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" ? roundForDisplay(v) : v)) ?? String(value);
}

/** Two decimals from 1 up, three significant digits below 1; integers and non-finite numbers as they are. */
export function roundForDisplay(n: number): number {
  if (!Number.isFinite(n) || Number.isInteger(n)) return n;
  return Math.abs(n) >= 1 ? Math.round(n * 100) / 100 : Number(n.toPrecision(3));
}
