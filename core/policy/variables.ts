/** Policy variables snapfleet's documents use. AWS substitutes them per connection, which is what
 * lets one named policy serve the whole fleet: "publish to your own topics" instead of one policy
 * per device. */

/** Thing attached to the connecting certificate; unresolvable (so never matching) without one. */
export const THING_NAME_VARIABLE = "${iot:Connection.Thing.ThingName}";

/** MQTT client id of the connection. Only safe once iot:Connect pins client ids down. */
export const CLIENT_ID_VARIABLE = "${iot:ClientId}";
