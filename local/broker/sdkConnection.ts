/** A device-side connection to the local broker with aws-iot-device-sdk-v2's MQTT 3.1.1 client,
 * built exactly as against AWS except for endpoint, port and CA (aedes speaks 3.1.1 only, so not
 * the SDK's mqtt5 client). Used by the broker's tests and bench; firmware builds its own. */
import { iot, mqtt } from "aws-iot-device-sdk-v2";

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
  return new mqtt.MqttClient().new_connection(builder.build());
}
