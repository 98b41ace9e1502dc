import { Module } from '@nestjs/common';
import { DispatchesRepository } from './dispatches.repository';

/**
 * The dispatches table on its own, for those who read it without dispatching: the alarm queue
 * and detail, resolution (refused while a dispatch is active), and the live stream. Keeps the
 * alarms module free of the dispatch module, which itself builds on alarms.
 */
@Module({ providers: [DispatchesRepository], exports: [DispatchesRepository] })
export class DispatchStoreModule {}
