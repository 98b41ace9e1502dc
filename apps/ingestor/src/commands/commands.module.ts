import { Module } from '@nestjs/common';
import { CommandWorkerBridge } from './command-worker-bridge.service';
import { CommandsPublished } from './commands-published';
import { DeviceCommandsController } from './device-commands.controller';
import { MqttCommandPublisher } from './mqtt-command-publisher.service';

/** The command path inside the command worker's thread: Kafka's device commands out to MQTT. */
@Module({
  controllers: [DeviceCommandsController],
  providers: [
    MqttCommandPublisher,
    CommandWorkerBridge,
    { provide: CommandsPublished, useExisting: CommandWorkerBridge },
  ],
})
export class CommandsModule {}
