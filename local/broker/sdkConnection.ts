/** A device-side connection to the local broker with aws-iot-device-sdk-v2's MQTT 3.1.1 client,
 * built exactly as against AWS except for endpoint, port and CA (the SDK's MQTT 5 client is
 * exercised in mqtt5.test.ts). Used by the broker's tests and bench; firmware builds its own. */
import { iot, mqtt, mqtt5 } from "aws-iot-device-sdk-v2";
import { buildTrustingOnly } from "../../firmware/comms/trustOnlyCa";

export interface SdkConnectionOptions {
  host: string;
  port: number;
  caCertPem: string;
  certPem: string;
  keyPem: string;
  clientId: string;
  cleanSession?: boolean;
  will?: mqtt.MqttWill;
}

export function sdkConnection(options: SdkConnectionOptions): mqtt.MqttClientConnection {
  let builder = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(options.certPem, options.keyPem)
    .with_certificate_authority(options.caCertPem)
    .with_endpoint(options.host)
    .with_port(options.port)
    .with_client_id(options.clientId)
    .with_clean_session(options.cleanSession ?? true);
  if (options.will) builder = builder.with_will(options.will);
  return new mqtt.MqttClient().new_connection(buildTrustingOnly(options.caCertPem, () => builder.build()));
}

export interface SdkMqtt5ClientOptions extends Omit<SdkConnectionOptions, "cleanSession" | "will"> {
  /** MQTT 5 Session Expiry Interval; 0 (default) ends the session with the connection. */
  sessionExpiryIntervalSeconds?: number;
  /** Rejoin keeps the session across reconnects (Clean Start 0); the SDK's default starts clean. */
  sessionBehavior?: mqtt5.ClientSessionBehavior;
  will?: mqtt5.PublishPacket;
}

/** The same device with the SDK's MQTT 5 client, as the current AWS device SDK samples build it
 * (`AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory`). The caller starts,
 * stops and closes it. Reconnects are slow, so a test sees one connection at a time. */
export function sdkMqtt5Client(options: SdkMqtt5ClientOptions): mqtt5.Mqtt5Client {
  const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(options.host, options.certPem, options.keyPem)
    .withCertificateAuthority(options.caCertPem)
    .withPort(options.port)
    // The native client refuses properties present but undefined: set only what is given.
    .withConnectProperties({
      clientId: options.clientId,
      keepAliveIntervalSeconds: 30,
      ...(options.sessionExpiryIntervalSeconds !== undefined ? { sessionExpiryIntervalSeconds: options.sessionExpiryIntervalSeconds } : {}),
      ...(options.will ? { will: options.will } : {}),
    })
    .withSessionBehavior(options.sessionBehavior ?? mqtt5.ClientSessionBehavior.Clean)
    .withMinReconnectDelayMs(60_000);
  return buildTrustingOnly(options.caCertPem, () => new mqtt5.Mqtt5Client(builder.build()));
}
