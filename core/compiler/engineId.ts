/** Which engine a snapshot needs. A device refuses an OTA whose engine it doesn't run:
 * Microvium's bytecode format is versioned and snapshots don't cross versions. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const microviumVersion: string = require("microvium/package.json").version;
export const BYTECODE_VERSION = 8;
export const ENGINE_ID = `microvium-${microviumVersion}/bytecode-${BYTECODE_VERSION}`;
