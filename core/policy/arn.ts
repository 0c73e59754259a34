/** ARNs of the AWS IoT data-plane resources that policies name (docs/aws-iot.md):
 * iot:Connect acts on a client id, iot:Publish and iot:Receive on a topic name, iot:Subscribe on
 * a topic filter. The local broker builds the same ARNs so that one evaluator serves both. */
export function iotArnPrefix(region: string, account: string): string {
  return `arn:aws:iot:${region}:${account}`;
}

/** Resource of iot:Publish and iot:Receive. */
export function topicArn(region: string, account: string, topic: string): string {
  return `${iotArnPrefix(region, account)}:topic/${topic}`;
}

/** Resource of iot:Subscribe; MQTT wildcards `+`/`#` stay as they are (they are literal in policies). */
export function topicFilterArn(region: string, account: string, topicFilter: string): string {
  return `${iotArnPrefix(region, account)}:topicfilter/${topicFilter}`;
}

/** Resource of iot:Connect. */
export function clientArn(region: string, account: string, clientId: string): string {
  return `${iotArnPrefix(region, account)}:client/${clientId}`;
}
