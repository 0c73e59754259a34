/** npm 11.19 warns about every dependency whose install scripts the project's `allowScripts`
 * doesn't cover (README, "Use it in your own project": what each script does for snapfleet). */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }> };

/** The locked packages with install scripts: [name, installed by a user's `npm install snapfleet`]. */
const withInstallScripts = Object.entries(lock.packages)
  .filter(([key, entry]) => key !== "" && entry.hasInstallScript)
  .map(([key, entry]) => [key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length), !entry.dev] as const);

describe("install scripts", () => {
  it("snapfleet itself runs nothing when installed", () => {
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) assert.equal(pkg.scripts[hook], undefined, `package.json has a ${hook} script`);
  });

  it("the checkout's allowScripts decides every dependency's install script, so `npm ci` has nothing to warn about", () => {
    assert.ok(withInstallScripts.length > 0, "package-lock.json lists no package with install scripts");
    const undecided = withInstallScripts.map(([name]) => name).filter((name) => typeof pkg.allowScripts?.[name] !== "boolean");
    assert.deepEqual(undecided, [], "add them to package.json's allowScripts (true to run, false to skip) and to README's table");
  });

  it("README says what each script a user's project gets does for snapfleet", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Use it in your own project"), readme.indexOf("## The feature API"));
    for (const [name, installedByUsers] of withInstallScripts) {
      if (installedByUsers) assert.match(section, new RegExp(`\\| \`?${name}\`?[ ,|]`), `README "Use it in your own project" has no row for ${name}`);
    }
  });
});
