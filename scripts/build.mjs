// `npm run build`: the WebAssembly engine (skipped when its inputs are unchanged), the
// TypeScript compile to dist/, and the non-TS assets the compiled code reads at run time.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run(process.execPath, [path.join(root, "scripts/build-engine.mjs")]);

const started = Date.now();
run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"]);

// Assets read with fs relative to __dirname: in-VM JavaScript and the engine.
const assets = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel);
    else if (/\.mvm\.js$|\.wasm$/.test(entry.name)) assets.push(rel);
  }
};
walk("core");
for (const rel of assets) {
  fs.mkdirSync(path.dirname(path.join(root, "dist", rel)), { recursive: true });
  fs.copyFileSync(path.join(root, rel), path.join(root, "dist", rel));
}
console.log(`build: TypeScript compiled to dist/ and ${assets.length} assets copied in ${Date.now() - started} ms`);

// The dashboard as static files (index.html + content-hashed JS, CSS, wasm) for `npm start` and
// the AWS deployment; bundled by esbuild from web/ (see web/bundle/buildWebBundle.ts).
run(process.execPath, ["--import", "tsx", path.join(root, "web/bundle/cli.ts"), path.join(root, "dist/web-bundle")]);
