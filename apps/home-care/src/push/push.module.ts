import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { DispatchDoorbellService } from './dispatch-doorbell.service';
import { PushSender } from './push-sender';
import { PushSubscriptionsController } from './push-subscriptions.controller';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';

/** Web Push: nurses' phones subscribe; a new dispatch rings the team's phones (a doorbell, no resident data). */
@Module({
  controllers: [PushSubscriptionsController],
  providers: [
    PushSubscriptionsRepository,
    PushSender,
    DispatchDoorbellService,
    counterProvider('dispatch_pushes_total', 'Web Push messages for new dispatches, by outcome', ['outcome']),
  ],
  exports: [DispatchDoorbellService],
})
export class PushModule {}
