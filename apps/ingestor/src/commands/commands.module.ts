import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { DeviceCommandsController } from './device-commands.controller';
import { MqttCommandPublisher } from './mqtt-command-publisher.service';

@Module({
  controllers: [DeviceCommandsController],
  providers: [
    MqttCommandPublisher,
    counterProvider('device_commands_published_total', 'Commands published to devices, by type', ['type']),
  ],
  exports: [MqttCommandPublisher],
})
export class CommandsModule {}
