/** What the Cortex-M ports' number checks (decimalConversion.test.ts, libmFunctions.test.ts) share: a
 * deterministic random source and a double's bits. */

/** A deterministic generator (xorshift), so a failure can be reproduced. */
export function randomSource(seed: bigint) {
  let state = seed;
  return () => {
    state ^= (state << 13n) & 0xffffffffffffffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffffffffffffffffn;
    return state;
  };
}

export const bitsOf = (x: number) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
};

export const fromBits = (bits: bigint) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
};
