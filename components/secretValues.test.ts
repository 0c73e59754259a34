import assert from "node:assert/strict";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MissingSecretsError } from "../core/compiler/errors";
import { FeatureApp } from "./featureApp";
import { missingSecretHint, resolveSecretValues, secretConfigKey } from "./secretValues";
import { useAwsMocks, valueOf } from "./testing/mockAws";

const DECLARED = [
  { name: "ssid", optional: false },
  { name: "password", optional: false },
  { name: "api-key", optional: true },
];

describe("FeatureApp secret values", function () {
  this.timeout(30_000);

  it("names config keys <app>:secret-<name>", () => {
    assert.equal(secretConfigKey("grow-station", "wifi-password"), "grow-station:secret-wifi-password");
  });

  it("reads config secrets, prefers the secrets argument, and keeps every value secret", async () => {
    await useAwsMocks({ "grow-station:secret-ssid": "from-config", "grow-station:secret-password": "pw-config" }, ["grow-station:secret-ssid", "grow-station:secret-password"]);
    const { values } = resolveSecretValues("grow-station", DECLARED, { password: "pw-arg" });
    assert.deepEqual(Object.keys(values).sort(), ["password", "ssid"], "the optional secret without a value is left out");
    assert.equal(await valueOf(values.ssid), "from-config");
    assert.equal(await valueOf(values.password), "pw-arg");
    assert.equal(await pulumi.isSecret(values.ssid), true);
    assert.equal(await pulumi.isSecret(values.password), true, "a plain string argument becomes secret");
  });

  it("lists every missing required secret with the exact command to set it", async () => {
    await useAwsMocks({ "grow-station:secret-ssid": "from-config" }, ["grow-station:secret-ssid"]);
    assert.throws(
      () => resolveSecretValues("grow-station", [...DECLARED, { name: "token", optional: false }]),
      (e: unknown) => {
        assert.ok(e instanceof MissingSecretsError);
        assert.deepEqual(e.missing, ["password", "token"]);
        assert.match(e.message, /pulumi config set --secret grow-station:secret-password <value>/);
        assert.match(e.message, /pulumi config set --secret grow-station:secret-token <value>/);
        assert.doesNotMatch(e.message, /secret-ssid|secret-api-key/);
        return true;
      },
    );
  });

  it("refuses secrets arguments the features don't declare", async () => {
    await useAwsMocks();
    assert.throws(() => resolveSecretValues("grow-station", DECLARED, { ssid: "a", password: "b", pasword: "typo" }), /"pasword", which the features don't declare/);
  });

  it("a FeatureApp with missing secrets fails before creating resources, with the commands", async () => {
    const mocks = await useAwsMocks();
    const app = new FeatureApp("grow-station", {
      entry: path.join(__dirname, "..", "examples", "grow-station", "features", "app.ts"),
      dashboardBundleDir: path.join(__dirname, "testing", "web-bundle"),
    });
    await assert.rejects(valueOf(app.jobId), (e: Error) => {
      assert.match(e.message, /missing value for secrets "ssid", "password"/);
      assert.ok(e.message.includes(missingSecretHint("grow-station", ["ssid", "password"])));
      return true;
    });
    assert.deepEqual(mocks.resources.map((r) => r.type), ["snapfleet:index:FeatureApp"]);
  });
});
