#!/usr/bin/env node
// In a source checkout the TypeScript sources run through tsx (always current, no stale build);
// an installed package ships only the compiled dist/.
const path = require("node:path");
const fs = require("node:fs");
const source = path.join(__dirname, "..", "cli", "main.ts");
if (fs.existsSync(source)) {
  require("tsx/cjs");
  require(source).main(process.argv.slice(2));
} else {
  require(path.join(__dirname, "..", "dist", "cli", "main.js")).main(process.argv.slice(2));
}
