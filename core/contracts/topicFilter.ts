/** MQTT filter matching: `+` is one level, a trailing `#` is any number of levels (incl. none);
 * wildcards at the start don't match `$` topics (MQTT-4.7.2-1). The broker's replay store and the
 * device's link (firmware/comms/oneMessageCallback.ts) both route by it. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
