/** Reading the outline of DER bytes (tags and definite lengths) without building objects for
 * them: the per-certificate paths (a fingerprint, a key identifier) only need to find where an
 * element is, and a full ASN.1 parse cost them more than the rest of their work. */

export interface DerElement {
  tag: number;
  /** Index of the first content byte. */
  contentStart: number;
  /** Index just past the element; may lie past the bytes' end for truncated input: check it. */
  end: number;
}

/** The element starting at `at`, or undefined where no header fits (DER has definite lengths only). */
export function derElement(der: Uint8Array, at: number): DerElement | undefined {
  if (at + 2 > der.length) return undefined;
  const first = der[at + 1];
  if (first < 0x80) return { tag: der[at], contentStart: at + 2, end: at + 2 + first };
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || at + 2 + octets > der.length) return undefined;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + der[at + 2 + i];
  return { tag: der[at], contentStart: at + 2 + octets, end: at + 2 + octets + length };
}

export const DER_SEQUENCE = 0x30;
export const DER_BIT_STRING = 0x03;
