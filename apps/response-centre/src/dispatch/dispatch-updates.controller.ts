import { Payload } from '@nestjs/microservices';
import { Counter } from 'prom-client';
import { decodeDispatchUpdateRecord, isRejection, KafkaTopics } from '@welfare/contracts';
import { KafkaConsumerController, KafkaHandler, PoisonRecordError } from '@welfare/kafka';
import type { ConsumedRecord } from '@welfare/kafka';
import { InjectMetric } from '@welfare/platform';
import { DispatchUpdatesService } from './dispatch-updates.service';

/**
 * Home care's dispatch updates (keyed by alarm id, so one alarm's updates come in order) into
 * the centre. An update's offset is committed only after its transaction committed; an
 * undecodable update, or one about a dispatch this centre never made, goes to the dead-letter
 * topic and the partition moves on.
 */
@KafkaConsumerController()
export class DispatchUpdatesController {
  constructor(
    private readonly updates: DispatchUpdatesService,
    @InjectMetric('dispatch_updates_total') private readonly taken: Counter<'type' | 'outcome'>,
  ) {}

  @KafkaHandler(KafkaTopics.dispatchUpdates, { group: 'dispatch-updates' })
  async update(@Payload() record: ConsumedRecord): Promise<void> {
    const decoded = decodeDispatchUpdateRecord(record.message.value);
    if (isRejection(decoded)) throw new PoisonRecordError(decoded.reason, decoded.detail);
    const outcome = await this.updates.apply(decoded);
    this.taken.inc({ type: decoded.type, outcome });
  }
}
