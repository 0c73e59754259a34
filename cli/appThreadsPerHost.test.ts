import assert from "node:assert/strict";
import { appThreadsPerHost } from "./devSession";

describe("shared app threads per fleet host", () => {
  it("gives the hosts together one thread per CPU", () => {
    assert.equal(appThreadsPerHost(4, 2), 1, "1,000 devices (4 hosts) on 2 cores");
    assert.equal(appThreadsPerHost(4, 8), 2);
    assert.equal(appThreadsPerHost(2, 8), 4);
    assert.equal(appThreadsPerHost(1, 2), 2, "a fleet of one host takes every core");
  });

  it("gives every host at least one thread, however many hosts share the CPUs", () => {
    assert.equal(appThreadsPerHost(40, 2), 1);
    assert.equal(appThreadsPerHost(3, 4), 1);
    assert.equal(appThreadsPerHost(0, 2), 2, "no hosts (an in-process fleet) is taken as one");
  });
});
