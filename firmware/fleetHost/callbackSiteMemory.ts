/** Callback sites of the versions `snapfleet dev` built, like debug symbols kept on the host: OTA
 * packages carry none (core/contracts/devicePackage.ts), so a device's failing callback is named
 * with its file:line from here. dev and each fleet host keep the same bounded memory: the latest
 * build of a version wins (its lines match the files as they are now), oldest out. */
import type { Manifest } from "../../core/contracts/manifest";

export type CallbackSiteMemory = Map<string, Manifest["callbackSites"]>;

/** Builds whose callback sites are kept. */
export const REMEMBERED_VERSIONS = 20;

export function rememberSites(memory: CallbackSiteMemory, version: string, sites: Manifest["callbackSites"]): void {
  memory.delete(version);
  memory.set(version, sites);
  if (memory.size > REMEMBERED_VERSIONS) memory.delete(memory.keys().next().value!);
}
