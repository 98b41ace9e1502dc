import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { DeviceCommandsConsumer } from './device-commands.consumer';
import { MqttCommandPublisher } from './mqtt-command-publisher.service';

@Module({
  providers: [
    MqttCommandPublisher,
    DeviceCommandsConsumer,
    counterProvider('device_commands_published_total', 'Commands published to devices, by type', ['type']),
  ],
  exports: [MqttCommandPublisher],
})
export class CommandsModule {}
