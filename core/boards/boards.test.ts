import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BUILT_IN_BOARDS, listPins, loadBoard, pinUseProblem, pinWriteProblem, SIMULATED_BOARD, validateBoardDefinition } from ".";

describe("board definitions", () => {
  it("the built-in boards are valid definitions", () => {
    for (const board of BUILT_IN_BOARDS) assert.deepEqual(validateBoardDefinition(JSON.parse(JSON.stringify(board)), board.name), board);
  });

  it("lists pins compactly: numbered runs as ranges, the rest one by one", () => {
    assert.equal(listPins(["A0", "A1", "A2", "A3", "D0", "D1", "D2"]), "A0-A3, D0-D2");
    assert.equal(listPins(["GPIO2", "GPIO4", "GPIO5", "GPIO12", "GPIO13", "GPIO14", "LED"]), "GPIO2, GPIO4, GPIO5, GPIO12-GPIO14, LED");
    assert.equal(listPins([]), "(none)");
  });

  it("says which pin is missing or of the wrong kind, with the pins that would do", () => {
    assert.equal(pinUseProblem(SIMULATED_BOARD, "A2", "analog"), undefined);
    assert.equal(pinUseProblem(SIMULATED_BOARD, "D66", "digital"), `board "simulated" has no pin "D66"; its digital pins are D0-D13`);
    assert.equal(pinUseProblem(SIMULATED_BOARD, "d3", "digital"), `board "simulated" has no pin "d3" (pin labels are case-sensitive: did you mean "D3"?); its digital pins are D0-D13`);
    assert.equal(pinUseProblem(SIMULATED_BOARD, "D3", "analog"), `pin "D3" of board "simulated" is digital-in + digital-out, not analog; its analog pins are A0-A7`);
    assert.equal(pinWriteProblem(SIMULATED_BOARD, "D3"), undefined);
    const esp32 = loadBoard("esp32-devkitc");
    assert.match(pinWriteProblem(esp32, "GPIO34")!, /input-only \(analog-in \+ digital-in\).*pins that can be written are GPIO2, GPIO4, GPIO5, GPIO12-GPIO19/);
  });

  it("refuses a bad board file listing every problem, and names unknown boards", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-board-"));
    try {
      const file = path.join(dir, "bad.json");
      fs.writeFileSync(file, JSON.stringify({ name: "My Board", pins: { A0: ["analog"], "2": ["digital-in"], D1: [] }, pinout: {} }));
      assert.throws(() => loadBoard(file), (e: Error) => {
        assert.match(e.message, /^board file .*bad\.json: invalid board definition:/);
        for (const part of [/name: board name "My Board" is invalid/, /pins\.A0: \["analog"\] is not a list of capabilities; use one or more of "analog-in", "digital-in", "digital-out"/, /pins\.2: a pin label is/, /pins\.D1: \[\]/, /pinout: unknown field/]) assert.match(e.message, part);
        return true;
      });
      fs.writeFileSync(file, "{ name: ");
      assert.throws(() => loadBoard(file), /board file .*bad\.json is not JSON/);
      assert.throws(() => loadBoard(path.join(dir, "none.json")), /board file .*none\.json: not found/);
      assert.throws(() => loadBoard("arduino-uno"), /unknown board "arduino-uno"; built-in boards: simulated, esp32-devkitc, nano-33-iot; or pass the path of a JSON board file/);
      fs.writeFileSync(file, JSON.stringify({ name: "simulated", pins: { TEMP: ["analog-in"] } }));
      assert.throws(() => loadBoard(file), /the name "simulated" belongs to a built-in board with other pins; give yours its own name/);
      fs.writeFileSync(file, JSON.stringify({ name: "greenhouse-v2", pins: { TEMP: ["analog-in"], FAN: ["digital-out"] } }));
      assert.deepEqual(loadBoard("bad.json", dir).pins, { TEMP: ["analog-in"], FAN: ["digital-out"] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
