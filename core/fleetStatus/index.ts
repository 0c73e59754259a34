/** Device status per thing, recorded from status messages and read in pages by dashboards. */
export { isOlderNews, nextStatusRecord, type StatusChange } from "./statusRecord";
export { answerFleetStatusRequest, type FleetStatusRequest, type FleetStatusResponse, type FleetStatusSource } from "./fleetStatusRequest";
export { FleetStatusTable } from "./fleetStatusTable";
