/** The local cloud's thing registry (things of the fleet and their certificates). */
export { ThingRegistry, certificateFingerprint, registryFile } from "./thingRegistry";
export type { RegisteredThing } from "./thingRegistry";
