/**
 * The token under which a service's message transport (a Nest CustomTransportStrategy, e.g. the
 * Kafka consumer transport) is provided; createHttpApp connects it beside the HTTP server, so
 * `@EventPattern` handlers receive messages. A service without one simply has none.
 */
export const MESSAGE_TRANSPORT = Symbol('MESSAGE_TRANSPORT');
