/** Certificates for the local CA, the broker's server and client identities. node-forge builds
 * them (Node can parse certificates but not create them); the signature itself is made by Node's
 * crypto over forge's TBSCertificate, which takes ~1 ms instead of forge's ~25 ms of pure-JS RSA
 * blocking the event loop for every certificate. */
import { randomBytes, sign } from "node:crypto";
import { isIP } from "node:net";
import forge from "node-forge";
import { CA_UNIT, ORGANIZATION } from "./subjects";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The CA outlives any dev setup: replacing it would orphan every device certificate. */
export const CA_VALIDITY_DAYS = 20 * 365;
/** Apple platforms refuse TLS server certificates valid for more than 825 days, even from a
 * private CA, so the dashboard would fail in Safari; client certificates use the same span and
 * are renewed automatically when they near expiry (see RENEW_BEFORE_DAYS). */
export const LEAF_VALIDITY_DAYS = 825;
export const RENEW_BEFORE_DAYS = 30;

export interface SubjectFields {
  commonName: string;
  organizationalUnit: string;
}

export interface IssuerKeys {
  certPem: string;
  keyPem: string;
}

export type AltName = { dns: string } | { ip: string } | { uri: string };

export interface LeafRequest {
  subject: SubjectFields;
  publicKeyPem: string;
  usage: "server" | "client";
  altNames: AltName[];
}

/** Self-signed CA whose name carries a random tag, so two installations' CAs are told apart in
 * error messages and trust stores. */
export function createCaCertificate(keys: { privateKeyPem: string; publicKeyPem: string }): string {
  const cert = forge.pki.createCertificate();
  const tag = randomBytes(4).toString("hex");
  const subject = attributes({ commonName: `snapfleet local CA ${tag}`, organizationalUnit: CA_UNIT });
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  setSerialAndValidity(cert, CA_VALIDITY_DAYS);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  return signed(cert, keys.privateKeyPem);
}

export function issueLeafCertificate(issuer: IssuerKeys, request: LeafRequest): string {
  const caCert = forge.pki.certificateFromPem(issuer.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(request.publicKeyPem);
  setSerialAndValidity(cert, LEAF_VALIDITY_DAYS);
  cert.setSubject(attributes(request.subject));
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: request.usage === "server", clientAuth: request.usage === "client" },
    { name: "subjectAltName", altNames: request.altNames.map(forgeAltName) },
    { name: "subjectKeyIdentifier" },
    // forge's `keyIdentifier: true` would use the leaf's own key, so name the CA's explicitly;
    // OpenSSL (and so aws-crt) uses it to find the issuer.
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  return signed(cert, issuer.keyPem);
}

// Public in node-forge (used by its own `sign`), missing from @types/node-forge.
const { getTBSCertificate } = forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };

/** What forge's `cert.sign(key, sha256)` does, with the RSA operation done natively. */
function signed(cert: forge.pki.Certificate, signerKeyPem: string): string {
  const algorithm = forge.pki.oids.sha256WithRSAEncryption;
  cert.signatureOid = algorithm;
  cert.siginfo.algorithmOid = algorithm; // must be set before the TBS is encoded: it is part of it
  cert.tbsCertificate = getTBSCertificate(cert);
  const tbs = forge.asn1.toDer(cert.tbsCertificate).getBytes();
  const signature = sign("sha256", Buffer.from(tbs, "binary"), signerKeyPem);
  cert.signature = signature.toString("binary");
  return forge.pki.certificateToPem(cert);
}

/** `localhost`, `127.0.0.1` and `::1` become DNS or IP SAN entries as appropriate. */
export function hostAltName(host: string): AltName {
  return isIP(host) ? { ip: host } : { dns: host };
}

function forgeAltName(name: AltName): { type: number; value?: string; ip?: string } {
  if ("dns" in name) return { type: 2, value: name.dns };
  if ("ip" in name) return { type: 7, ip: name.ip };
  return { type: 6, value: name.uri };
}

function attributes(subject: SubjectFields): forge.pki.CertificateField[] {
  return [
    { shortName: "O", value: ORGANIZATION },
    { shortName: "OU", value: subject.organizationalUnit },
    { shortName: "CN", value: subject.commonName },
  ];
}

function setSerialAndValidity(cert: forge.pki.Certificate, days: number): void {
  // 128 random bits, positive (RFC 5280 serials are positive integers).
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x10;
  cert.serialNumber = serial.toString("hex");
  // Back-dated an hour so a device whose clock lags a little still accepts a fresh certificate.
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}
