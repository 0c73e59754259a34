/** How far `snapfleet dev`'s fleet start has come (DevSession.startProgress), for its table and
 * summary: a start can take a while, and the devices not online yet are starting, not broken. */
export interface FleetStartProgress {
  /** Devices whose start is under way. */
  readonly starting: ReadonlySet<string>;
  /** Devices whose start hasn't begun yet (at most so many connect at once). */
  readonly waiting: number;
}

/** A fleet whose start is over. */
export const START_OVER: FleetStartProgress = { starting: new Set(), waiting: 0 };
