/** Key pairs come from Node's crypto (OpenSSL, off the event loop) rather than node-forge:
 * forge generates RSA-2048 in pure JS at about a second per key, which would stall the broker
 * every time a new simulated device asks for a certificate. forge is still used to build and
 * sign certificates, which Node can't do. EC P-256 would be smaller, but forge can't sign with EC. */
import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyPairPem {
  /** PKCS#1 ("RSA PRIVATE KEY"): the form AWS IoT hands out, read by forge, Node and aws-crt alike. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo ("PUBLIC KEY"). */
  publicKeyPem: string;
}

export async function generateRsaKeyPair(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
