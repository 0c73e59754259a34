/** How a fleet stops, in `snapfleet dev` and in each fleet host alike: every device says goodbye
 * (offline status) at once; one that hasn't stopped within `deviceStopMs` (an app stuck in a loop,
 * an install in its grace period) has its app's thread terminated, so a stop is bounded whatever
 * the apps do. */
export interface StoppableDevice {
  readonly thing: string;
  stop(): Promise<void>;
  /** Terminates the app's thread; the device runs nothing more. */
  halt(): Promise<void>;
}

export async function stopDevices(devices: StoppableDevice[], timing: { deviceStopMs: number; haltMs: number }, log: (thing: string, line: string) => void): Promise<void> {
  await Promise.all(
    devices.map(async (d) => {
      const stopped = await within(d.stop().catch(() => {}), timing.deviceStopMs);
      if (!stopped) {
        log(d.thing, `did not stop within ${timing.deviceStopMs / 1000} s; its app was terminated`);
        await within(d.halt().catch(() => {}), timing.haltMs);
      }
    }),
  );
}

/** Whether `work` settled within `ms` (it goes on either way). */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = await Promise.race([work.then(() => true), timeout]);
  clearTimeout(timer);
  return done;
}
