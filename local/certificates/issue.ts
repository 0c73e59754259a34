/** Certificates for the local CA, the broker's server and client identities, built with PKI.js and asn1js
 * (Node can parse certificates but not create them) and signed by Node's crypto. New CAs and
 * leaves use EC P-256 keys with ECDSA-WITH-SHA256 signatures, which AWS IoT accepts for device
 * certificates: https://docs.aws.amazon.com/iot/latest/developerguide/x509-client-certs.html
 * A CA made by earlier versions (RSA-2048) keeps signing with its RSA key (sha256WithRSAEncryption),
 * so existing state dirs keep their CA and every certificate already issued. */
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { DER_BIT_STRING, DER_SEQUENCE, derElement } from "./der";
import { CA_UNIT, ORGANIZATION } from "./subjects";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The CA outlives any dev setup: replacing it would orphan every device certificate. */
export const CA_VALIDITY_DAYS = 20 * 365;
/** Apple platforms refuse TLS server certificates valid for more than 825 days, even from a
 * private CA, so the dashboard would fail in Safari; client certificates use the same span and
 * are renewed automatically when they near expiry (see RENEW_BEFORE_DAYS). */
export const LEAF_VALIDITY_DAYS = 825;
export const RENEW_BEFORE_DAYS = 30;

const OID = {
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  sha256WithRsaEncryption: "1.2.840.113549.1.1.11",
};

/** keyUsage bits (RFC 5280 4.2.1.3), numbered from the most significant bit of the first byte. */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

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
  /** SubjectPublicKeyInfo, DER. */
  publicKeyDer: Buffer;
  usage: "server" | "client";
  altNames: AltName[];
}

/** Signs leaf certificates for one CA; parses the CA and imports its key once, not per leaf. */
export interface CertificateIssuer {
  issue(request: LeafRequest): string;
}

/** Self-signed CA whose name carries a random tag, so two installations' CAs are told apart in
 * error messages and trust stores. */
export function createCaCertificate(keys: { privateKeyPem: string; publicKeyDer: Buffer }): string {
  const tag = randomBytes(4).toString("hex");
  const name = distinguishedName({ commonName: `snapfleet local CA ${tag}`, organizationalUnit: CA_UNIT });
  return signedCertificate(
    {
      days: CA_VALIDITY_DAYS,
      issuer: name,
      subject: name,
      publicKeyDer: keys.publicKeyDer,
      extensions: [
        extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 })),
        extension(OID.keyUsage, true, keyUsage(KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign)),
        extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifier(keys.publicKeyDer) })),
      ],
    },
    signerOf(createPrivateKey(keys.privateKeyPem)),
  );
}

export function certificateIssuer(issuer: IssuerKeys): CertificateIssuer {
  const caCert = pkijs.Certificate.fromBER(new X509Certificate(issuer.certPem).raw);
  const signer = signerOf(createPrivateKey(issuer.keyPem));
  // What every leaf of this CA shares is encoded here once: encoding it per certificate with
  // asn1js was most of a 1,000-device first start's certificate cost (about 2.7 ms each).
  const issuerName = new Encoded(caCert.subject.toSchema().toBER(false));
  const basicConstraints = extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }));
  // EC keys sign (ECDHE); keyEncipherment is an RSA-only use.
  const digitalSignature = extension(OID.keyUsage, true, keyUsage(KEY_USAGE.digitalSignature));
  const purposes = {
    server: extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.serverAuth] })),
    client: extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.clientAuth] })),
  };
  // OpenSSL (and so aws-crt) uses the authority key identifier to find the issuer.
  const authorityKeyId = extension(
    OID.authorityKeyIdentifier,
    false,
    new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: subjectKeyIdentifierOf(caCert) }) }),
  );
  return {
    issue(request) {
      return signedCertificate(
        {
          days: LEAF_VALIDITY_DAYS,
          issuer: issuerName,
          subject: distinguishedName(request.subject),
          publicKeyDer: request.publicKeyDer,
          extensions: [
            basicConstraints,
            digitalSignature,
            purposes[request.usage],
            extension(OID.subjectAltName, false, new pkijs.GeneralNames({ names: request.altNames.map(generalName) })),
            extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifier(request.publicKeyDer) })),
            authorityKeyId,
          ],
        },
        signer,
      );
    },
  };
}

/** `localhost`, `127.0.0.1` and `::1` become DNS or IP SAN entries as appropriate. */
export function hostAltName(host: string): AltName {
  return isIP(host) ? { ip: host } : { dns: host };
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on. */
function time(value: Date): asn1js.BaseBlock {
  return value.getUTCFullYear() < 2050 ? new asn1js.UTCTime({ valueDate: value }) : new asn1js.GeneralizedTime({ valueDate: value });
}

/** O, OU and CN, one attribute per RDN as OpenSSL and Node read them (PKI.js would encode a new
 * name's attributes as one multi-valued RDN, `O=…+OU=…+CN=…`). O and OU come from a handful of
 * values: each RDN is encoded once and reused. */
function distinguishedName(subject: SubjectFields): asn1js.BaseBlock {
  return new asn1js.Sequence({
    value: [knownRdn(OID.organization, ORGANIZATION), knownRdn(OID.organizationalUnit, subject.organizationalUnit), rdn(OID.commonName, subject.commonName)],
  });
}

function rdn(type: string, value: string): asn1js.BaseBlock {
  return new asn1js.Set({ value: [new asn1js.Sequence({ value: [oid(type), new asn1js.Utf8String({ value })] })] });
}

const rdns = new Map<string, Encoded>();
function knownRdn(type: string, value: string): Encoded {
  const key = `${type}=${value}`;
  let encoded = rdns.get(key);
  if (!encoded) rdns.set(key, (encoded = new Encoded(rdn(type, value).toBER(false))));
  return encoded;
}

/** Object identifiers, encoded once each: asn1js parses the dotted text every time otherwise. */
const oids = new Map<string, Encoded>();
function oid(dotted: string): Encoded {
  let encoded = oids.get(dotted);
  if (!encoded) oids.set(dotted, (encoded = new Encoded(new asn1js.ObjectIdentifier({ value: dotted }).toBER(false))));
  return encoded;
}

/** An Extension (RFC 5280 4.1), DER-encoded at once: as PKI.js's Extension writes it, critical
 * only when true (DER leaves out a BOOLEAN at its default). */
function extension(extnID: string, critical: boolean, value: { toSchema(): asn1js.BaseBlock } | asn1js.BaseBlock): Encoded {
  const schema = value instanceof asn1js.BaseBlock ? value : value.toSchema();
  const fields = [oid(extnID), ...(critical ? [new asn1js.Boolean({ value: true })] : []), new asn1js.OctetString({ valueHex: schema.toBER(false) })];
  return new Encoded(new asn1js.Sequence({ value: fields }).toBER(false));
}

function keyUsage(...bits: number[]): asn1js.BitString {
  const bytes = new Uint8Array(1);
  for (const bit of bits) bytes[0] |= 0x80 >> bit;
  const highest = Math.max(...bits);
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - highest });
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the BIT STRING that ends the
 * SubjectPublicKeyInfo, without its unused-bits byte). Found by the DER outline, not a parse. */
function keyIdentifier(publicKeyDer: Uint8Array | ArrayBuffer): Buffer {
  const spki = publicKeyDer instanceof Uint8Array ? publicKeyDer : new Uint8Array(publicKeyDer);
  const outer = derElement(spki, 0);
  const algorithm = outer?.tag === DER_SEQUENCE ? derElement(spki, outer.contentStart) : undefined;
  const bits = algorithm && derElement(spki, algorithm.end);
  if (!outer || outer.end !== spki.length || bits?.tag !== DER_BIT_STRING || bits.end !== outer.end || bits.end - bits.contentStart < 2) {
    throw new Error("the public key is not a DER SubjectPublicKeyInfo");
  }
  return createHash("sha1").update(spki.subarray(bits.contentStart + 1, bits.end)).digest();
}

/** The CA's own subject key identifier; computed the same way if a CA lacks the extension. */
function subjectKeyIdentifierOf(cert: pkijs.Certificate): Uint8Array {
  const ski = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  const parsed = ski && asn1js.fromBER(ski.extnValue.valueBlock.valueHexView);
  if (parsed && parsed.offset !== -1 && parsed.result instanceof asn1js.OctetString) return parsed.result.valueBlock.valueHexView.slice();
  return keyIdentifier(cert.subjectPublicKeyInfo.toSchema().toBER(false));
}

function generalName(name: AltName): pkijs.GeneralName {
  if ("dns" in name) return new pkijs.GeneralName({ type: 2, value: name.dns });
  if ("uri" in name) return new pkijs.GeneralName({ type: 6, value: name.uri });
  return new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: ipBytes(name.ip) }) });
}

/** An IP address as the 4 or 16 bytes an iPAddress SAN holds (RFC 5280 4.2.1.6). */
function ipBytes(ip: string): Uint8Array {
  const version = isIP(ip);
  if (version === 4) return Uint8Array.from(ip.split(".").map(Number));
  if (version !== 6) throw new Error(`"${ip}" is not an IP address`);
  // An embedded IPv4 tail (::ffff:10.0.0.7) counts as two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  const text = v4 ? ip.slice(0, -v4.length) + "0:0" : ip;
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  if (v4) bytes.set(v4.split(".").map(Number), 12);
  return bytes;
}

interface Signer {
  key: KeyObject;
  /** The signature's AlgorithmIdentifier, DER: in the TBSCertificate and after it. */
  algorithm: Encoded;
}

/** EC P-256 for CAs made now, RSA for CAs made by earlier versions. */
function signerOf(key: KeyObject): Signer {
  const algorithm = (identifier: pkijs.AlgorithmIdentifier) => new Encoded(identifier.toSchema().toBER(false));
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    // RFC 5758 3.2: ecdsa-with-SHA256 has no parameters.
    return { key, algorithm: algorithm(new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 })) };
  }
  if (key.asymmetricKeyType === "rsa") {
    // RFC 4055 5: sha256WithRSAEncryption's parameters are NULL.
    return { key, algorithm: algorithm(new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRsaEncryption, algorithmParams: new asn1js.Null() })) };
  }
  const kind = `${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ""}`;
  throw new Error(`the CA key is ${kind}; the local PKI signs with EC P-256 or RSA keys only`);
}

/** What a certificate says, its parts already encoded where they are shared. */
interface CertificateFields {
  days: number;
  issuer: asn1js.BaseBlock;
  subject: asn1js.BaseBlock;
  /** SubjectPublicKeyInfo, DER. */
  publicKeyDer: Buffer;
  extensions: asn1js.BaseBlock[];
}

/** The TBSCertificate of RFC 5280 4.1 in PKI.js's `encodeTBS` order, signed with Node's
 * synchronous native signature (PKI.js's `cert.sign()` goes through WebCrypto and would encode
 * the TBS, parse it back and encode it again). */
function signedCertificate(fields: CertificateFields, signer: Signer): string {
  // 128 random bits, positive (RFC 5280 serials are positive integers).
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x10;
  // Back-dated an hour so a device whose clock lags a little still accepts a fresh certificate.
  const now = Date.now();
  const tbs = new asn1js.Sequence({
    value: [
      VERSION_3,
      new asn1js.Integer({ valueHex: serial }),
      signer.algorithm,
      fields.issuer,
      new asn1js.Sequence({ value: [time(new Date(now - 60 * 60 * 1000)), time(new Date(now + fields.days * DAY_MS))] }),
      fields.subject,
      new Encoded(fields.publicKeyDer),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 3 }, value: [new asn1js.Sequence({ value: fields.extensions })] }),
    ],
  }).toBER(false);
  const signature = sign("sha256", new Uint8Array(tbs), { key: signer.key, dsaEncoding: "der" });
  const der = new asn1js.Sequence({ value: [new Encoded(tbs), signer.algorithm, new asn1js.BitString({ valueHex: signature })] }).toBER(false);
  const base64 = Buffer.from(der).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`;
}

/** An element that is already DER, placed as is into an asn1js structure (asn1js's own RawData
 * is left out when a SEQUENCE encodes its members). */
class Encoded extends asn1js.BaseBlock {
  private readonly der: ArrayBuffer;
  constructor(der: ArrayBuffer | Uint8Array) {
    super();
    this.der = der instanceof Uint8Array ? der.slice().buffer : der;
  }
  override toBER(_sizeOnly?: boolean, writer?: asn1js.ViewWriter): ArrayBuffer {
    writer?.write(this.der);
    return this.der;
  }
}

/** [0] EXPLICIT Version v3 (INTEGER 2), the same in every certificate. */
const VERSION_3 = new Encoded(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Integer({ value: 2 })] }).toBER(false));
