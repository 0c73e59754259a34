/** The AWS IoT custom authorizer contract (AWS IoT developer guide, "Defining your Lambda
 * function"): what IoT Core sends the function for an MQTT connection and what it expects back. */
export interface IotAuthorizerEvent {
  token?: string;
  signatureVerified?: boolean;
  protocols?: string[];
  protocolData?: {
    tls?: { serverName?: string };
    http?: { headers?: Record<string, string>; queryString?: string };
    mqtt?: {
      username?: string;
      /** base64 of the MQTT CONNECT password bytes. */
      password?: string;
      clientId?: string;
    };
  };
  connectionMetadata?: { id?: string };
}

export interface IotAuthorizerResponse {
  isAuthenticated: boolean;
  /** 1-128 alphanumeric characters. */
  principalId: string;
  /** Each a stringified IoT policy document; at most 10, each at most 2048 characters. */
  policyDocuments: string[];
  /** 300-86400 seconds. */
  disconnectAfterInSeconds: number;
  /** 300-86400 seconds. */
  refreshAfterInSeconds: number;
}

/** AWS's bounds for the two durations in the response. */
export const MIN_AUTHORIZER_SECONDS = 300;
export const MAX_AUTHORIZER_SECONDS = 86400;
