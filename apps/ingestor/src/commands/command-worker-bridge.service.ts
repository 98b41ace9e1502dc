import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { parentPort } from 'node:worker_threads';
import { KafkaConsumersService } from '@welfare/kafka';
import type { CommandConsumerHealth, CommandWorkerReport } from './command-worker.protocol';
import { CommandsPublished } from './commands-published';
import { MqttCommandPublisher } from './mqtt-command-publisher.service';

/** How often the command connection and the consumers are looked at for a change to report. */
const STATE_POLL_MS = 250;

/**
 * The command worker's side of the thread boundary: tells the ingestor's main thread what its
 * health checks and metrics need (the command connection, the consumers' states, the commands
 * published). Only a change of state is sent, so an idle worker posts nothing.
 */
@Injectable()
export class CommandWorkerBridge extends CommandsPublished implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private lastState = '';

  constructor(
    private readonly mqtt: MqttCommandPublisher,
    private readonly consumers: KafkaConsumersService,
  ) {
    super();
  }

  published(types: string[]): void {
    report({ kind: 'published', types });
  }

  onApplicationBootstrap(): void {
    this.reportState();
    this.timer = setInterval(() => this.reportState(), STATE_POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reports the state if it changed since the last report (also right before "ready"). */
  reportState(): void {
    const consumers: CommandConsumerHealth[] = this.consumers.all().map((consumer) => consumer.health);
    const state = { kind: 'state' as const, connected: this.mqtt.isConnected, consumers };
    const text = JSON.stringify(state);
    if (text === this.lastState) return;
    this.lastState = text;
    report(state);
  }
}

export function report(message: CommandWorkerReport): void {
  parentPort?.postMessage(message);
}
