import { formatSoakReport, runSoak } from "../test/support/soak";

/** The resilience soak, short: both directions QoS 1 (device → cloud ~50 msg/s, cloud → device
 * ~10 msg/s) through seeded outages (broker restarts, cut links, frozen links the keepalive must
 * notice). Prints detection and resume times per outage kind (median / p99 / max), messages per
 * second both ways, what was lost / repeated / reordered, and RSS over the run. The long run is
 * `npm run test:slow` (SOAK_OUTAGES=1000 by default); here SOAK_OUTAGES defaults to 30. */
const OUTAGES = Number(process.env.SOAK_OUTAGES ?? 30);
const SEED = Number(process.env.SOAK_SEED ?? 1);

runSoak({ outages: OUTAGES, seed: SEED }).then(
  (report) => console.log(formatSoakReport(report)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
