import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { MqttModule } from '../mqtt/mqtt.module';
import { DeviceCommandsConsumer } from './device-commands.consumer';

@Module({
  imports: [MqttModule],
  providers: [
    DeviceCommandsConsumer,
    counterProvider('device_commands_published_total', 'Commands published to devices, by type', ['type']),
  ],
})
export class CommandsModule {}
