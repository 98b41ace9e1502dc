import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { CommandWorkerHost } from './command-worker-host.service';

/** The main thread's side of the device command path, which runs in a worker thread of its own. */
@Module({
  providers: [
    CommandWorkerHost,
    counterProvider('device_commands_published_total', 'Commands published to devices, by type', ['type']),
  ],
  exports: [CommandWorkerHost],
})
export class CommandPathModule {}
