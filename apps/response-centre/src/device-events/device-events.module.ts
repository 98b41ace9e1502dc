import { Module } from '@nestjs/common';
import { DeviceEventsController } from './device-events.controller';
import { DeviceEventsRepository } from './device-events.repository';

/** The per-device event history (read by operators, written by the intake). */
@Module({
  controllers: [DeviceEventsController],
  providers: [DeviceEventsRepository],
  exports: [DeviceEventsRepository],
})
export class DeviceEventsModule {}
