/** Who a client certificate belongs to, as the broker needs to know on every TLS connection.
 * Parsing and verification use Node's X509Certificate (native, fast). */
import { X509Certificate } from "node:crypto";
import { checkName } from "../../core/contracts/names";
import { CLAIM_UNIT, SERVICE_UNIT, THING_UNIT } from "./subjects";

/** PEM text, DER bytes, what `tlsSocket.getPeerCertificate()` returns (its `raw` DER), or a
 * certificate already parsed (`tlsSocket.getPeerX509Certificate()`). */
export type CertificateInput = string | Buffer | { raw?: Buffer } | X509Certificate;

export type PeerIdentity = { kind: "thing"; thingName: string } | { kind: "service"; serviceName: string } | { kind: "claim"; batch: string };

/** The identity named by a certificate issued by `ca`, or undefined when the certificate is
 * missing, unparsable, not issued (and signed) by this CA, outside its validity period, or not a
 * thing/service certificate. Verifying here, not only in the TLS handshake, keeps it safe to call
 * on certificates that came from anywhere. */
export function identityOf(ca: X509Certificate, input: CertificateInput | undefined, now = new Date()): PeerIdentity | undefined {
  const cert = parse(input);
  if (!cert) return undefined;
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined;
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return undefined;
  const subject = subjectFields(cert.subject);
  const name = subject.get("CN");
  if (name === undefined || checkName("identity", name)) return undefined;
  if (subject.get("OU") === THING_UNIT) return { kind: "thing", thingName: name };
  if (subject.get("OU") === SERVICE_UNIT) return { kind: "service", serviceName: name };
  if (subject.get("OU") === CLAIM_UNIT) return { kind: "claim", batch: name };
  return undefined;
}

export function parse(input: CertificateInput | undefined): X509Certificate | undefined {
  if (input instanceof X509Certificate) return input;
  const data = typeof input === "string" || Buffer.isBuffer(input) ? input : input?.raw;
  if (data === undefined || data.length === 0) return undefined;
  try {
    return new X509Certificate(data);
  } catch {
    return undefined;
  }
}

/** Node renders a subject as `O=snapfleet\nOU=snapfleet-thing\nCN=dev-a`. A field given twice
 * makes the subject ambiguous, so it counts as absent. */
function subjectFields(subject: string): Map<string, string | undefined> {
  const fields = new Map<string, string | undefined>();
  for (const line of subject.split("\n")) {
    const at = line.indexOf("=");
    if (at < 0) continue;
    const key = line.slice(0, at);
    fields.set(key, fields.has(key) ? undefined : line.slice(at + 1));
  }
  return fields;
}
