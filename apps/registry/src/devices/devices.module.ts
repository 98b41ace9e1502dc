import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { DeviceCredentialsService } from './device-credentials.service';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';

@Module({
  imports: [OutboxModule],
  controllers: [DevicesController],
  providers: [DevicesService, DeviceCredentialsService],
  exports: [DevicesService, DeviceCredentialsService],
})
export class DevicesModule {}
