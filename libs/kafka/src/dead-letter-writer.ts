import { Inject, Injectable } from '@nestjs/common';
import { DeadLetterRecord, encodeRecord, rawPayload } from '@welfare/contracts';
import { Clock } from '@welfare/platform';
import { ConsumedRecord } from './consumed-record';
import { KafkaProducerService } from './kafka-producer.service';
import { KAFKA_OPTIONS, type KafkaOptions } from './kafka.tokens';

/** Puts a consumed record that cannot be processed on the dead-letter topic, with why and where from. */
@Injectable()
export class DeadLetterWriter {
  constructor(
    private readonly producer: KafkaProducerService,
    private readonly clock: Clock,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaOptions,
  ) {}

  async write(record: ConsumedRecord, consumerGroup: string, reason: string, detail: string): Promise<void> {
    const { partition, topic, message } = record;
    const deadLetter: DeadLetterRecord = {
      v: 1,
      source: this.options.deadLetter.source,
      reason,
      detail,
      deviceId: message.key?.toString('utf8') ?? null,
      receivedAt: this.clock.now().toISOString(),
      origin: { kind: 'kafka', topic, partition, offset: message.offset, consumerGroup },
      payload: rawPayload(message.value ?? Buffer.alloc(0)),
    };
    await this.producer.send(this.options.deadLetter.topic, [
      { key: deadLetter.deviceId ?? 'unknown', value: encodeRecord(deadLetter), headers: { reason } },
    ]);
  }
}
