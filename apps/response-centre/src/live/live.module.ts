import { Module } from '@nestjs/common';
import { DispatchStoreModule } from '../dispatch/dispatch-store.module';
import { PositionsModule } from '../resident-rules/positions.module';
import { AlarmStreams } from './alarm-streams.service';
import { FeedWakeups } from './feed-wakeups';
import { HandlingLogFeed } from './handling-log-feed';

/** Operators' live streams of the handling log (the route is on the alarms controller). */
@Module({
  imports: [DispatchStoreModule, PositionsModule],
  providers: [HandlingLogFeed, FeedWakeups, AlarmStreams],
  exports: [AlarmStreams, HandlingLogFeed],
})
export class LiveModule {}
