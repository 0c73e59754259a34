import assert from "node:assert/strict";
import { decodeDashboardKey } from "../core/contracts/dashboardToken";
import { dashboardKeyProvider } from "./dashboardKey";

describe("DashboardKey provider", () => {
  it("makes a fresh 32-byte key on create, named after the app", async () => {
    const a = await dashboardKeyProvider.create({ app: "tank" });
    const b = await dashboardKeyProvider.create({ app: "tank" });
    assert.equal(a.id, "tank-dashboard-key");
    assert.equal(decodeDashboardKey(a.outs!.key).length, 32);
    assert.notEqual(a.outs!.key, b.outs!.key);
  });

  it("keeps the key across updates of nothing, and makes a new one for another app", async () => {
    const same = await dashboardKeyProvider.diff!("tank-dashboard-key", { app: "tank", key: "k" }, { app: "tank" });
    assert.deepEqual([same.changes, same.replaces], [false, []]);
    const other = await dashboardKeyProvider.diff!("tank-dashboard-key", { app: "tank", key: "k" }, { app: "pump" });
    assert.deepEqual([other.changes, other.replaces], [true, ["app"]]);
  });
});
