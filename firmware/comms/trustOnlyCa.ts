/** Builds an aws-crt TLS context that trusts one given CA, without first loading the system's
 * trust store.
 *
 * Why: on Linux aws-crt's TLS (s2n with aws-lc) loads the system trust store
 * (/etc/ssl/certs/ca-certificates.crt, about 140 roots) into every new context, and when a CA is
 * given (`with_certificate_authority`, i.e. `override_default_trust_store`) it then wipes that
 * store and adds the CA alone. Parsing the roots costs 7–14 ms of CPU per context on this machine,
 * on the calling (main) thread: at 1,000 simulated devices, 10.7 s of the main thread's 42 s while
 * the fleet starts (a CPU profile of `bench/fleet.bench.ts`). aws-lc finds the default store through
 * `SSL_CERT_FILE`/`SSL_CERT_DIR` (OpenSSL's convention), read when the context is made; pointing them
 * at an empty file while the context is built skips the parse: 0.25 ms per context.
 *
 * The context is built synchronously, so no JavaScript runs while the variables are changed, and
 * they are restored (unset again if they were unset) before this returns, whatever happens; other
 * threads of the process do not read them while a context is built (glibc's setenv keeps the old
 * strings, so even a concurrent reader sees a valid value). Without a CA (a device of AWS, which
 * must trust Amazon's roots from the system store) nothing changes. */

const EMPTY_STORE = "/dev/null";
const VARIABLES = ["SSL_CERT_FILE", "SSL_CERT_DIR"] as const;

export function buildTrustingOnly<T>(caCertPem: string | undefined, build: () => T): T {
  if (caCertPem === undefined || caCertPem === "" || process.platform === "win32") return build();
  const saved = VARIABLES.map((name) => process.env[name]);
  try {
    for (const name of VARIABLES) process.env[name] = EMPTY_STORE;
    return build();
  } finally {
    VARIABLES.forEach((name, i) => {
      const value = saved[i];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    });
  }
}
