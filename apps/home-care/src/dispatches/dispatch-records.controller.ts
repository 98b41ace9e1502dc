import { Payload } from '@nestjs/microservices';
import { decodeDispatchRecord, isRejection, KafkaTopics } from '@welfare/contracts';
import { KafkaConsumerController, KafkaHandler, PoisonRecordError } from '@welfare/kafka';
import type { ConsumedRecord } from '@welfare/kafka';
import { DispatchIntakeService } from './dispatch-intake.service';

/** Home care's consumer group for dispatches.v1: the service's own (KAFKA_CONSUMER_GROUP). */
export const DISPATCH_RECORDS_GROUP = '';

/**
 * dispatches.v1 into the intake. A record's offset is committed only after its transaction
 * committed. Records that break the contract go to the dead-letter topic with their reason,
 * and the partition moves on.
 */
@KafkaConsumerController()
export class DispatchRecordsController {
  constructor(private readonly intake: DispatchIntakeService) {}

  @KafkaHandler(KafkaTopics.dispatches, { group: DISPATCH_RECORDS_GROUP })
  async dispatch(@Payload() record: ConsumedRecord): Promise<void> {
    const decoded = decodeDispatchRecord(record.message.value);
    // Not `'reason' in decoded`: a valid dispatch.withdrawn has a reason too. Only a record has `v`.
    if (isRejection(decoded)) throw new PoisonRecordError(decoded.reason, decoded.detail);
    await this.intake.take(decoded);
  }
}
