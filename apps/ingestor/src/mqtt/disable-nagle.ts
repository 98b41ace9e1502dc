import type { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';

/** PUBACKs and commands are tiny: sent at once, not held back to coalesce (Nagle's algorithm). */
export function disableNagle(client: MqttClient): void {
  const socket = client.stream as Partial<Socket>;
  socket.setNoDelay?.(true);
}
