/** CloudFront path patterns in tests: `*` any characters, `?` one; the first matching behavior wins. */
export const cloudFrontMatches = (pattern: string, requestPath: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(requestPath);
