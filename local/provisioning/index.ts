/** Fleet provisioning by claim in the local cloud: the MQTT API and the operator's approvals. */
export { FleetProvisioningService } from "./fleetProvisioningService";
export type { FleetProvisioningOptions } from "./fleetProvisioningService";
export { ApprovalStore } from "./approvals";
export type { DeviceApproval, ApprovalStoreOptions } from "./approvals";
export { localApprovalsSource } from "./localApprovalsSource";
