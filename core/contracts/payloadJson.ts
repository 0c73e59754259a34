/** An MQTT payload as text and its JSON value. Throws `<what> is not JSON: <first 80 chars>`,
 * so each decoder names what it expected. `text` is returned for the decoder's own errors. */
export function parsePayloadJson(payload: string | Uint8Array, what: string): { text: string; value: unknown } {
  const text = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
  try {
    return { text, value: JSON.parse(text) };
  } catch {
    throw new Error(`${what} is not JSON: ${text.slice(0, 80)}`);
  }
}
