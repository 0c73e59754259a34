/** Key pairs come from Node's crypto (OpenSSL). EC P-256: generating one takes well under a
 * millisecond, where RSA-2048 took ~150 ms and was most of the cost of a device certificate.
 * AWS IoT accepts EC P-256 (NIST P-256) device keys and ECDSA-WITH-SHA256 certificates:
 * https://docs.aws.amazon.com/iot/latest/developerguide/x509-client-certs.html */
import { generateKeyPairSync } from "node:crypto";

export interface DeviceKeyPair {
  /** SEC1 ("EC PRIVATE KEY"): what `openssl ecparam -genkey` writes; read by Node, OpenSSL
   * (the C device's Paho) and aws-crt alike. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo, DER: goes into the certificate as is. */
  publicKeyDer: Buffer;
}

export function generateEcKeyPair(): DeviceKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "sec1", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyDer: publicKey };
}
