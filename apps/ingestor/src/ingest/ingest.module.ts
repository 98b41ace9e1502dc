import { Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { DeviceMessageIngestService } from './device-message-ingest.service';

@Module({
  providers: [
    DeviceMessageIngestService,
    counterProvider('ingest_accepted_total', 'Device events accepted onto Kafka, by type', ['type']),
    counterProvider('ingest_rejected_total', 'Device messages dead-lettered, by reason', ['reason']),
  ],
  exports: [DeviceMessageIngestService],
})
export class IngestModule {}
