/** Local X.509 PKI for the embedded cloud: CA, broker server certificate, per-thing client certificates. */
export { ensureLocalPki, DEFAULT_SERVER_HOSTNAMES } from "./localPki";
export type { LocalPki, LocalPkiOptions, IdentityFiles, ThingIdentity, ServiceIdentity, ClaimIdentity } from "./localPki";
export type { CertificateInput, PeerIdentity } from "./identity";
export { CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS, RENEW_BEFORE_DAYS } from "./issue";
