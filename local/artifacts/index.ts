/** OTA artifacts for the local cloud: content-addressed store + HTTPS with signed URLs. */
export { ArtifactStore, DEFAULT_URL_TTL_SECONDS } from "./artifactStore";
export type { ArtifactStoreOptions } from "./artifactStore";
export { UrlSigner } from "./urlSigner";
