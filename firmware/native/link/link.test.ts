/** The link's session layer (firmware/native/link/linkSession.c) on this machine: two sessions
 * back to back through a wire that drops, corrupts and cuts bytes, and restarts of either side
 * (tests/linkCheck.c); its subscriptions (linkNet.c) against a peer playing the co-processor
 * (tests/linkNetCheck.c). The build checks link/ freestanding; this runs it. */
import path from "node:path";
import { buildCheckProgram, runCheckProgram } from "../../../test/support/cChecks";

const LINK = __dirname;

describe("the link between the MCU and the co-processor (C side)", function () {
  this.timeout(120_000);
  let program: string;
  before(() => {
    program = buildCheckProgram("linkCheck", ["tests/linkCheck.c", "linkSession.c", "linkFrame.c"].map((f) => path.join(LINK, f)));
  });

  it("delivers every message once and in order through damage, an outage and restarts of either side (frames of every length decode)", () => {
    runCheckProgram(program, 10);
  });

  it("keeps every subscription the image supports: none dropped when the queue is full or the co-processor restarts, one too many refused as FULL; OTA replies keep room beside publishes", () => {
    // linkNetCheck.c includes linkNet.c itself, to size the table with its own SF_MAX_CHANNELS
    runCheckProgram(buildCheckProgram("linkNetCheck", ["tests/linkNetCheck.c", "linkSession.c", "linkFrame.c"].map((f) => path.join(LINK, f))), 13);
  });
});
