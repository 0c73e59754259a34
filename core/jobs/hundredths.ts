/** Whether a finite number has at most two digits after the decimal point, as AWS IoT Jobs takes
 * percentages (thresholdPercentage, a staged rollout's shares). Compared through its two-decimal
 * text: `v * 100` is no whole number for one step of 0.01 in nine (0.29 * 100 = 28.999999999999996). */
export function inHundredths(value: number): boolean {
  return Number.isFinite(value) && Number(value.toFixed(2)) === value;
}
