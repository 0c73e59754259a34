/** Callback sites of the versions `snapfleet dev` built, like debug symbols kept on the host: OTA
 * packages carry none (core/contracts/devicePackage.ts), so a device's failing callback is named
 * with its file:line from here. dev and each fleet host keep the same bounded memory: the latest
 * build of a version wins (its lines match the files as they are now), oldest out. Kept with the
 * build's channels and controls, which name what a callback belongs to (CallbackNames). */
import type { CallbackNamesSource } from "../../core/runtime/callbackNames";

export type CallbackSiteMemory = Map<string, CallbackNamesSource>;

/** Builds whose callback sites are kept. */
export const REMEMBERED_VERSIONS = 20;

export function rememberSites(memory: CallbackSiteMemory, version: string, app: CallbackNamesSource): void {
  memory.delete(version);
  memory.set(version, app);
  if (memory.size > REMEMBERED_VERSIONS) memory.delete(memory.keys().next().value!);
}

/** The build of `version`, given in full or by the first 12 or more of its digits (as the C
 * devices print it at a start); undefined when none or more than one kept build matches. */
export function rememberedBuild(memory: CallbackSiteMemory, version: string): CallbackNamesSource | undefined {
  const exact = memory.get(version);
  if (exact || version.length < 12) return exact;
  const matches = [...memory].filter(([kept]) => kept.startsWith(version));
  return matches.length === 1 ? matches[0][1] : undefined;
}
