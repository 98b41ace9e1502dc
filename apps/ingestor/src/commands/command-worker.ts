/**
 * The command worker's thread: device commands from Kafka out to MQTT, on an event loop of its
 * own. On the main thread a command waited for every turn of the loop that takes the device
 * flood in (each turn parsing and handing over hundreds of messages): under overload, commands
 * reached devices seconds after Kafka had them. A thread that is mostly idle is also the one the
 * kernel runs first when it wakes on a busy machine.
 */
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import type { INestApplication } from '@nestjs/common';
import { createHttpApp } from '@welfare/platform';
import { IngestorConfig } from '../ingestor.config';
import { CommandWorkerBridge, report } from './command-worker-bridge.service';
import type { CommandWorkerData, CommandWorkerRequest } from './command-worker.protocol';
import { CommandWorkerModule } from './command-worker.module';

async function main(): Promise<void> {
  const { config: values } = workerData as CommandWorkerData;
  const config = Object.assign(new IngestorConfig(), values);
  let app: INestApplication;
  try {
    app = await createHttpApp({ module: CommandWorkerModule.forRoot(config), settings: config, listen: false });
  } catch (error) {
    report({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  parentPort!.on('message', (request: CommandWorkerRequest) => {
    if (request.kind !== 'stop') return;
    // Nest's shutdown hooks: the consumer stops after its chunk, commits, and both connections close.
    void app.close().finally(() => {
      report({ kind: 'stopped' });
      parentPort!.close();
    });
  });
  // The state as of now goes first, so the main thread's readiness is current when it starts.
  app.get(CommandWorkerBridge).reportState();
  report({ kind: 'ready' });
}

void main();
