export { buildWebBundle, isContentHashed } from "./buildWebBundle";
export type { WebBundle, WebBundleOptions } from "./buildWebBundle";
