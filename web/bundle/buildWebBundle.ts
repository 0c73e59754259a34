/** Builds the dashboard as static files: index.html plus content-hashed JS, CSS and engine wasm
 * (app-<hash>.js, styles-<hash>.css, microvium-<hash>.wasm). Hashed names can be cached forever
 * by browsers and CloudFront; only index.html and the three run-time files next to it
 * (dashboard-config.json, manifest.json, web.snap) change in place. The AWS component uploads
 * this folder unchanged. */
import fs from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";

export interface WebBundleOptions {
  outDir: string;
  /** Default true: the size budget is for the minified bundle. */
  minify?: boolean;
}

export interface WebBundle {
  outDir: string;
  /** File name → size in bytes, index.html included. */
  files: Record<string, number>;
  /** The entry: what the page's script tag loads. */
  script: string;
  /** The chunks the entry imports (preloaded by index.html with it), then the rest of the
   * dashboard (startDashboard-*.js, imported after the first screen) and what only it uses. */
  chunks: string[];
  stylesheet: string;
  wasm: string;
  /** Absolute paths of every file the bundle was made from (sources, template, engine, the
   * bundler itself): `npm run build` skips the bundle while none of them changes. */
  inputs: string[];
}

const ROOT = path.resolve(__dirname, "..", "..");
const WEB = path.join(ROOT, "web");
const WASM = path.join(ROOT, "core", "engine", "microvium.wasm");
const NODE_STUB = path.join(WEB, "bundle", "nodeBuiltinsStub.ts");

export async function buildWebBundle(options: WebBundleOptions): Promise<WebBundle> {
  if (!fs.existsSync(WASM)) throw new Error(`${WASM} is missing: run \`npm run build\` (it builds the engine first)`);
  const outDir = path.resolve(options.outDir);
  // Stale hashed files would be uploaded too: start from an empty folder.
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  const result = await esbuild.build({
    entryPoints: { app: path.join(WEB, "src", "main.ts"), styles: path.join(WEB, "page", "styles.css") },
    bundle: true,
    platform: "browser",
    format: "esm",
    // The first screen's code in the entry; the rest of the dashboard (web/src/startDashboard.ts,
    // imported once the first screen is drawn) and the code both share in chunks of their own.
    splitting: true,
    target: ["chrome110", "firefox110", "safari16"],
    minify: options.minify ?? true,
    sourcemap: false,
    outdir: outDir,
    entryNames: "[name]-[hash]",
    chunkNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    loader: { ".wasm": "file" },
    // Build-time code next to what the page needs imports node:fs/node:path/node:v8: see nodeBuiltinsStub.ts.
    alias: { "node:fs": NODE_STUB, "node:path": NODE_STUB, "node:v8": NODE_STUB },
    define: { __dirname: '"."' },
    metafile: true,
    legalComments: "none",
    logLevel: "silent",
  });

  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const pick = (pattern: RegExp, what: string) => {
    const name = outputs.find((file) => pattern.test(file));
    if (!name) throw new Error(`web bundle: esbuild produced no ${what} (outputs: ${outputs.join(", ")})`);
    return name;
  };
  const script = pick(/^app-[A-Z0-9]+\.js$/, "app script");
  const stylesheet = pick(/^styles-[A-Z0-9]+\.css$/, "stylesheet");
  const wasm = pick(/^microvium-[A-Z0-9]+\.wasm$/, "engine wasm");
  const outputOf = (name: string) => Object.entries(result.metafile.outputs).find(([file]) => path.basename(file) === name)![1];
  // What the entry imports statically is asked for with it (no waterfall: entry, then its chunk).
  const entryImports = outputOf(script)
    .imports.filter((i) => i.kind === "import-statement")
    .map((i) => path.basename(i.path));
  const chunks = [...entryImports, ...outputs.filter((file) => file.endsWith(".js") && file !== script && !entryImports.includes(file))];

  const template = fs.readFileSync(path.join(WEB, "page", "index.html"), "utf8");
  const page = template
    .replace("<!--styles-->", `<link rel="stylesheet" href="${stylesheet}" />`)
    .replace("<!--script-->", [...entryImports.map((chunk) => `<link rel="modulepreload" href="${chunk}" />`), `<script type="module" src="${script}"></script>`].join("\n    "));
  fs.writeFileSync(path.join(outDir, "index.html"), page);

  const files: Record<string, number> = {};
  for (const name of fs.readdirSync(outDir)) files[name] = fs.statSync(path.join(outDir, name)).size;
  const bundled = Object.keys(result.metafile.inputs).map((input) => path.resolve(input)).filter((file) => fs.existsSync(file));
  const inputs = [...bundled, path.join(WEB, "page", "index.html"), path.join(ROOT, "tsconfig.json"), __filename, require.resolve("esbuild/package.json")];
  return { outDir, files, script, chunks, stylesheet, wasm, inputs };
}

/** The names buildWebBundle gives are content-hashed by this rule (cacheable forever). */
export { isContentHashed } from "../../core/contracts/dashboardSiteHeaders";
