/** What the page needs before it can connect: `dashboard-config.json` (written next to the page
 * by the local dashboard server or the AWS deployment) and the access token. The token arrives
 * in the URL fragment (`#token=...`), which browsers never send to the HTTP server; the page keeps
 * it in sessionStorage (gone with the tab) and strips it from the address bar so it doesn't end
 * up in bookmarks, screenshots or shared links. */
export { parseDashboardConfig, type DashboardConfig } from "../../core/contracts/dashboardConfig";

const TOKEN_KEY = "snapfleet.token";

/** Takes the token from the fragment (and removes it from the address bar), else from the session. */
export function takeToken(location: Location, history: History, storage: Storage): string | undefined {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromUrl = fragment.get("token");
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    fragment.delete("token");
    const rest = fragment.toString();
    history.replaceState(null, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY) ?? undefined;
}

/** After the broker refused the token: a reload must not present it again. */
export function forgetToken(storage: Storage): void {
  storage.removeItem(TOKEN_KEY);
}
