/** esbuild's `file` loader turns an imported asset into its content-hashed URL (web/build). */
declare module "*.wasm" {
  const url: string;
  export default url;
}
