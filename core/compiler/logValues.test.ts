import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { deviceLogsObjects } from "./logValues";

describe("deviceLogsObjects", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-log-values-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  /** Each source becomes a feature file whose body runs with `api` in scope, as App's would. */
  const logsObjects = (...bodies: string[]) =>
    deviceLogsObjects(
      bodies.map((body) => {
        const file = path.join(dir, `f${n++}.ts`);
        fs.writeFileSync(file, `import type { FeatureApi } from "snapfleet";\nexport function feature(api: FeatureApi) {\n${body}\n}\n`);
        return file;
      }),
    );

  it("leaves the formatter out when every api.log gets text, a number, a boolean or null", () => {
    assert.equal(logsObjects(`api.log("started"); api.log(\`t=\${1}\`); api.log("n " + {}); api.log(1 > 0 ? "on" : "off"); api.log(3); api.log(true); api.log(null);`), false);
    assert.equal(logsObjects(`const n: number = Math.log(2); api.log(n); const s = String(n); api.log(s);`), false);
    assert.equal(logsObjects(`const logger = { log: (o: object) => o }; logger.log({ a: 1 });`), false, "the user's own log");
    assert.equal(logsObjects(), false);
  });

  it("keeps it for a value that may be an object or array, or a log it can't follow", () => {
    assert.equal(logsObjects(`api.log({ a: 1 });`), true);
    assert.equal(logsObjects(`const xs = [1, 2]; api.log(xs);`), true);
    assert.equal(logsObjects(`const v: any = 1; api.log(v);`), true);
    assert.equal(logsObjects(`const { log } = api; log("x");`), true);
    assert.equal(logsObjects(`[1].forEach(api.log);`), true);
  });
});
