import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { connect, MqttClient } from 'mqtt';
import { DomainError } from '@welfare/platform';

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
/** Commands per control message: one answer each, and Mosquitto rewrites its file per command. */
const CHUNK = 100;

export interface DynsecCommand {
  command: string;
  [field: string]: unknown;
}

export interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
  correlationData?: string;
}

/** The broker did not confirm a change: the caller's transaction must not commit. */
export function brokerUnavailable(why: string): DomainError {
  return new DomainError(
    'unavailable',
    'broker_unavailable',
    `the MQTT broker did not confirm the device's credentials (${why}); nothing was changed, try again`,
  );
}

/**
 * The registry's admin connection to Mosquitto's dynamic-security plugin: commands go to
 * $CONTROL/dynamic-security/v1 and each message's answers come back on .../response, matched by
 * correlation data (the response topic is shared by every admin client, so ours carry a uuid).
 */
export class DynsecControl {
  private readonly logger = new Logger(DynsecControl.name);
  private readonly client: MqttClient;
  private readonly waiting = new Map<string, (responses: DynsecResponse[]) => void>();

  constructor(
    url: string,
    credentials: { username: string; password: string },
    private readonly timeoutMs: number,
    onConnect: () => void,
  ) {
    this.client = connect(url, {
      ...credentials,
      clientId: `welfare-registry-${randomUUID().slice(0, 8)}`,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    });
    this.client.on('connect', () => {
      this.client.subscribe(RESPONSE_TOPIC, { qos: 1 }, (error) => {
        if (error) this.logger.error({ err: error }, 'could not subscribe to the dynamic-security responses');
        else onConnect();
      });
    });
    this.client.on('error', (error) => this.logger.error({ err: error }, 'broker admin connection error'));
    this.client.on('message', (_topic, payload) => this.onResponse(payload));
  }

  /** Resolves when connected, or after `timeoutMs` (a broker away at start is retried in the background). */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.client.connected) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.client.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Sends the commands in order; resolves with one answer per command, or throws 503. */
  async run(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const answers: DynsecResponse[] = [];
    for (let start = 0; start < commands.length; start += CHUNK)
      answers.push(...(await this.runChunk(commands.slice(start, start + CHUNK))));
    return answers;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  private async runChunk(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    if (!this.client.connected) throw brokerUnavailable('not connected to the broker');
    const id = randomUUID();
    const answered = new Promise<DynsecResponse[]>((resolve) => this.waiting.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(brokerUnavailable(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs)),
    );
    try {
      const message = JSON.stringify({
        commands: commands.map((command, index) => ({ ...command, correlationData: `${id}:${index}` })),
      });
      await Promise.race([this.client.publishAsync(CONTROL_TOPIC, message, { qos: 1 }), late]);
      const responses = await Promise.race([answered, late]);
      if (responses.length !== commands.length)
        throw brokerUnavailable(`${responses.length} answers to ${commands.length} commands`);
      return responses;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  private onResponse(payload: Buffer): void {
    try {
      const { responses } = JSON.parse(payload.toString('utf8')) as { responses: DynsecResponse[] };
      const id = responses[0]?.correlationData?.split(':')[0];
      if (id) this.waiting.get(id)?.(responses);
    } catch (error) {
      this.logger.warn({ err: error }, 'unreadable dynamic-security response');
    }
  }
}
