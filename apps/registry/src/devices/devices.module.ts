import { Module } from '@nestjs/common';
import { BrokerAccessModule } from '../broker-access/broker-access.module';
import { OutboxModule } from '../outbox/outbox.module';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';

@Module({
  imports: [OutboxModule, BrokerAccessModule],
  controllers: [DevicesController],
  providers: [DevicesService],
  exports: [DevicesService],
})
export class DevicesModule {}
