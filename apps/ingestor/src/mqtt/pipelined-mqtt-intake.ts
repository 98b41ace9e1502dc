import { Logger } from '@nestjs/common';
import { connect as connectTcp, Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { generate, IConnackPacket, IPublishPacket, ISubackPacket, Packet, parser, Parser } from 'mqtt-packet';
import { PubackSequencer } from './puback-sequencer';

/** A device message as it came off the intake connection. */
export interface IntakeMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  /** The broker says it may have sent this before (DUP): a connection ended before its PUBACK. */
  redelivered: boolean;
  /** Whether the connection it came on still lives: once it is gone, the broker has it again. */
  alive(): boolean;
  /** Kafka has it: its PUBACK goes once every earlier message of the connection is acknowledged. */
  acknowledge(): void;
}

export interface PipelinedMqttIntakeOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  keepaliveSeconds: number;
  /** The subscription (QoS 1), made again on every connection. */
  topicFilter: string;
  /** MQTT 5 Receive Maximum: QoS 1 messages the broker may have in flight to us. */
  receiveMaximum: number;
  onMessage(message: IntakeMessage): void;
}

type ProtocolVersion = 4 | 5;

const CONNECT_TIMEOUT_MS = 10_000;
const DISCONNECT_TIMEOUT_MS = 5000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5000;
/** A session kept by the broker while the intake is away, as long as the broker keeps any (MQTT 5). */
const SESSION_NEVER_EXPIRES = 0xffffffff;
/** CONNACK codes for "this broker does not speak MQTT 5": 3.1.1's 1 (read through a v5 parser) and 5's 0x84. */
const UNSUPPORTED_PROTOCOL = new Set([1, 0x84]);

interface Connection {
  socket: Socket;
  protocolVersion: ProtocolVersion;
  parser: Parser;
  sequencer: PubackSequencer;
  alive: boolean;
  connected: boolean;
  pingSentAt: number | null;
  keepalive: NodeJS.Timeout | null;
  connectTimer: NodeJS.Timeout | null;
}

/**
 * The ingestor's intake connection, spoken with mqtt-packet on a plain TCP or TLS socket, so
 * that packets are read continuously: mqtt.js reads a connection's next packet only once the
 * previous QoS 1 message's PUBACK is written, which made the intake one Kafka round trip per
 * message. Here every PUBLISH is handed on as it arrives, and its PUBACK is written once the
 * message is acknowledged and every earlier one's PUBACK has gone (PubackSequencer).
 *
 * A persistent session: fixed client id, clean start off, and with MQTT 5 a session that does
 * not expire and a Receive Maximum large enough to keep the pipeline full. It speaks MQTT 5
 * first and falls back to 3.1.1 for a broker that refuses it (aedes). A lost connection is made
 * again with back-off; whatever it had not acknowledged the broker delivers again.
 */
export class PipelinedMqttIntake {
  private readonly logger = new Logger(PipelinedMqttIntake.name);
  private protocolVersion: ProtocolVersion = 5;
  private connection: Connection | null = null;
  private stopping = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private firstConnect: { resolve(): void; reject(error: Error): void } | null = null;
  private lastError: Error | null = null;

  constructor(private readonly options: PipelinedMqttIntakeOptions) {}

  get isConnected(): boolean {
    return this.connection?.connected ?? false;
  }

  /** The MQTT version spoken on the current connection (5, or 4 for 3.1.1). */
  get protocol(): ProtocolVersion {
    return this.protocolVersion;
  }

  /** Messages taken in on the current connection and not yet acknowledged. */
  get unacknowledged(): number {
    return this.connection?.sequencer.pending ?? 0;
  }

  /** Resolves once connected and subscribed; rejects if the first attempt fails (wrong credentials, no broker). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstConnect = { resolve, reject };
      this.open();
    });
  }

  /**
   * Ends the connection cleanly: PUBACKs already written go first, then DISCONNECT. A broker
   * that does not close within 5 s gets the socket cut, which loses nothing it does not hold.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    if (!connection || !connection.alive) return;
    const closed = new Promise<void>((resolve) => connection.socket.once('close', () => resolve()));
    if (connection.connected) {
      // PUBACKs due this turn are flushed first (setImmediate), then DISCONNECT.
      await new Promise((resolve) => setImmediate(resolve));
      this.send(connection, { cmd: 'disconnect' });
      connection.socket.end();
    } else connection.socket.destroy();
    const timer = setTimeout(() => connection.socket.destroy(), DISCONNECT_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
  }

  /** Cuts the socket without DISCONNECT, as a crash or a network fault would; the intake connects again. */
  cutConnection(): void {
    this.connection?.socket.destroy();
  }

  private open(): void {
    this.reconnectTimer = null;
    const url = new URL(this.options.url);
    const tls = url.protocol === 'mqtts:' || url.protocol === 'ssl:';
    const port = Number(url.port || (tls ? 8883 : 1883));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    socket.setNoDelay(true);
    const protocolVersion = this.protocolVersion;
    const connection: Connection = {
      socket,
      protocolVersion,
      parser: parser({ protocolVersion }),
      sequencer: new PubackSequencer((ids) => this.writePubacks(connection, ids)),
      alive: true,
      connected: false,
      pingSentAt: null,
      keepalive: null,
      connectTimer: setTimeout(() => {
        this.logger.warn('MQTT broker did not answer CONNECT in time');
        socket.destroy();
      }, CONNECT_TIMEOUT_MS),
    };
    this.connection = connection;
    connection.parser.on('packet', (packet: Packet) => this.onPacket(connection, packet));
    connection.parser.on('error', (error: Error) => {
      this.logger.error({ err: error }, 'MQTT packet not understood; reconnecting');
      socket.destroy();
    });
    socket.on(tls ? 'secureConnect' : 'connect', () => this.sendConnect(connection));
    socket.on('data', (data: Buffer) => connection.parser.parse(data));
    socket.on('error', (error) => this.onSocketError(error));
    socket.on('close', () => this.onClose(connection));
  }

  private sendConnect(connection: Connection): void {
    const { clientId, username, password, keepaliveSeconds, receiveMaximum } = this.options;
    this.send(connection, {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: connection.protocolVersion,
      clientId,
      clean: false,
      keepalive: keepaliveSeconds,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password: Buffer.from(password) } : {}),
      ...(connection.protocolVersion === 5
        ? { properties: { sessionExpiryInterval: SESSION_NEVER_EXPIRES, receiveMaximum } }
        : {}),
    });
  }

  private onPacket(connection: Connection, packet: Packet): void {
    switch (packet.cmd) {
      case 'publish':
        return this.onPublish(connection, packet);
      case 'connack':
        return this.onConnack(connection, packet);
      case 'suback':
        return this.onSuback(packet);
      case 'pingresp':
        connection.pingSentAt = null;
        return;
      case 'disconnect':
        this.logger.warn({ reasonCode: packet.reasonCode }, 'MQTT broker sent DISCONNECT');
        connection.socket.destroy();
        return;
      default:
        return;
    }
  }

  private onConnack(connection: Connection, packet: IConnackPacket): void {
    if (connection.connectTimer) clearTimeout(connection.connectTimer);
    const code = packet.reasonCode ?? packet.returnCode ?? 0;
    if (code !== 0) {
      if (connection.protocolVersion === 5 && UNSUPPORTED_PROTOCOL.has(code)) {
        this.logger.log('MQTT broker does not speak MQTT 5; using 3.1.1');
        this.protocolVersion = 4;
        this.reconnectDelay = 0;
      } else {
        const error = new Error(`MQTT broker refused the connection (code ${code})`);
        this.logger.error({ err: error }, 'MQTT connection refused');
        this.failFirstConnect(error);
      }
      connection.socket.destroy();
      return;
    }
    connection.connected = true;
    this.reconnectDelay = RECONNECT_MIN_MS;
    this.logger.log(
      { sessionPresent: packet.sessionPresent, protocolVersion: connection.protocolVersion },
      'MQTT intake connected',
    );
    this.startKeepalive(connection);
    this.send(connection, {
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: this.options.topicFilter, qos: 1 }],
      ...(connection.protocolVersion === 5 ? { properties: {} } : {}),
    });
  }

  private onSuback(packet: ISubackPacket): void {
    const granted = packet.granted as (number | { qos: number })[];
    const refused = granted.some((code) => (typeof code === 'number' ? code : code.qos) >= 0x80);
    if (refused) {
      const error = new Error(`MQTT broker refused the subscription to ${this.options.topicFilter}`);
      this.logger.error({ err: error, granted: packet.granted }, 'MQTT subscribe failed');
      this.failFirstConnect(error);
      return;
    }
    const first = this.firstConnect;
    this.firstConnect = null;
    first?.resolve();
  }

  private onPublish(connection: Connection, packet: IPublishPacket): void {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const slot =
      packet.qos === 1 && packet.messageId !== undefined ? connection.sequencer.take(packet.messageId) : null;
    if (packet.qos === 2) {
      // Subscribed at QoS 1, so the broker never sends QoS 2; a broker that does is left unanswered.
      this.logger.error({ topic: packet.topic }, 'QoS 2 message on a QoS 1 subscription; not taken');
      return;
    }
    this.options.onMessage({
      topic: packet.topic,
      payload,
      qos: packet.qos,
      redelivered: packet.dup,
      alive: () => connection.alive && !this.stopping,
      acknowledge: () => slot?.ready(),
    });
  }

  private writePubacks(connection: Connection, messageIds: number[]): void {
    if (!connection.alive) return;
    const packets = messageIds.map((messageId) =>
      generate(
        connection.protocolVersion === 5 ? { cmd: 'puback', messageId, reasonCode: 0 } : { cmd: 'puback', messageId },
        { protocolVersion: connection.protocolVersion },
      ),
    );
    connection.socket.write(Buffer.concat(packets));
  }

  private send(connection: Connection, packet: Packet): void {
    if (!connection.alive) return;
    connection.socket.write(generate(packet, { protocolVersion: connection.protocolVersion }));
  }

  /** PINGREQ every half keepalive; no PINGRESP within a keepalive means the connection is dead. */
  private startKeepalive(connection: Connection): void {
    const intervalMs = (this.options.keepaliveSeconds * 1000) / 2;
    connection.keepalive = setInterval(() => {
      if (connection.pingSentAt !== null) {
        if (Date.now() - connection.pingSentAt < this.options.keepaliveSeconds * 1000) return;
        this.logger.warn('MQTT broker did not answer PINGREQ; reconnecting');
        connection.socket.destroy();
        return;
      }
      connection.pingSentAt = Date.now();
      this.send(connection, { cmd: 'pingreq' });
    }, intervalMs);
  }

  private onSocketError(error: Error): void {
    this.lastError = error;
    this.logger.warn({ err: error }, 'MQTT intake connection error');
  }

  private failFirstConnect(error: Error): void {
    const first = this.firstConnect;
    if (!first) return;
    this.firstConnect = null;
    this.stopping = true;
    this.connection?.socket.destroy();
    first.reject(error);
  }

  private onClose(connection: Connection): void {
    connection.alive = false;
    connection.connected = false;
    connection.sequencer.close();
    if (connection.keepalive) clearInterval(connection.keepalive);
    if (connection.connectTimer) clearTimeout(connection.connectTimer);
    // The first connection failed (other than to learn the broker speaks only MQTT 3.1.1): the start fails.
    if (this.firstConnect && this.protocolVersion === connection.protocolVersion)
      this.failFirstConnect(this.lastError ?? new Error('MQTT connection closed before it was set up'));
    if (this.stopping) return;
    // The broker keeps what this connection did not acknowledge and delivers it again.
    if (this.reconnectDelay > 0)
      this.logger.warn({ inMs: this.reconnectDelay }, 'MQTT intake connection lost; reconnecting');
    this.reconnectTimer = setTimeout(() => this.open(), this.reconnectDelay);
    this.reconnectDelay = Math.min(Math.max(this.reconnectDelay * 2, RECONNECT_MIN_MS), RECONNECT_MAX_MS);
  }
}
