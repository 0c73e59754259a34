/** IoT policies: the documents snapfleet attaches on AWS, and the evaluator the local broker uses. */
export * from "./types";
export * from "./arn";
export * from "./variables";
export * from "./limits";
export * from "./clientIds";
export * from "./documents";
export * from "./evaluate";
export { matchesPattern } from "./match";
export * from "./packing";
export * from "./compiled";
export * from "./retiredChannels";
