import assert from "node:assert/strict";
import crypto from "node:crypto";
import { UrlSigner } from "./urlSigner";

const SHA = "ab".repeat(32);
const params = (query: string) => new URLSearchParams(query);

describe("signed artifact URLs expire after their lifetime (UrlSigner)", () => {
  const signer = new UrlSigner(crypto.randomBytes(32));
  const check = (query: string, nowSeconds: number, sha256 = SHA) => signer.verify(sha256, params(query).get("expires"), params(query).get("signature"), nowSeconds);

  it("a URL is valid up to the second before its expiry and refused from that second on, without tolerance", () => {
    const expiresAt = 1_800_000_000;
    const query = signer.sign(SHA, expiresAt);
    assert.deepEqual(check(query, expiresAt - 1), { valid: true });
    const atExpiry = check(query, expiresAt);
    assert.equal(atExpiry.valid, false);
    assert.match((atExpiry as { reason: string }).reason, /^the URL expired at 2027-01-15T08:00:00.000Z; read the job document again for a fresh one$/);
    assert.equal(check(query, expiresAt + 1).valid, false);
    assert.equal(check(query, expiresAt + 60).valid, false, "a minute late");
  });

  it("the signature covers the artifact and the expiry: changing either one refuses the URL", () => {
    const query = signer.sign(SHA, 2_000_000_000);
    assert.deepEqual(check(query, 1_000_000_000), { valid: true });
    const later = params(query);
    later.set("expires", "2000000001");
    assert.match((check(later.toString(), 1_000_000_000) as { reason: string }).reason, /signature does not match/);
    assert.equal(check(query, 1_000_000_000, "cd".repeat(32)).valid, false);
    const otherKey = new UrlSigner(crypto.randomBytes(32)).sign(SHA, 2_000_000_000);
    assert.equal(check(otherKey, 1_000_000_000).valid, false, "signed with another key");
  });

  it("refuses URLs without a well-formed expires/signature pair", () => {
    const good = params(signer.sign(SHA, 2_000_000_000));
    const signature = good.get("signature")!;
    for (const [expires, sig] of [[null, signature], ["2000000000", null], ["", signature], ["-5", signature], ["1e9", signature], ["1".repeat(13), signature], ["2000000000", signature.slice(1)], ["2000000000", signature.toUpperCase()], ["2000000000", `${signature}0`]] as const) {
      const result = signer.verify(SHA, expires, sig, 1_000_000_000);
      assert.equal(result.valid, false, `${expires} ${sig}`);
      assert.match((result as { reason: string }).reason, /lacks a valid expires\/signature pair/, `${expires} ${sig}`);
    }
    assert.deepEqual(signer.verify(SHA, good.get("expires"), signature, 1_000_000_000), { valid: true });
  });

  it("refuses a key shorter than 32 bytes", () => {
    assert.throws(() => new UrlSigner(crypto.randomBytes(31)), /the key must be at least 32 bytes/);
    assert.doesNotThrow(() => new UrlSigner(crypto.randomBytes(32)));
  });
});
