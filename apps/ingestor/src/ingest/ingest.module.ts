import { Module } from '@nestjs/common';
import { alarmLaneProducerProvider } from '@welfare/kafka';
import { counterProvider } from '@welfare/platform';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { DeviceMessageIngestService } from './device-message-ingest.service';

@Module({
  imports: [RegistryViewModule],
  providers: [
    DeviceMessageIngestService,
    alarmLaneProducerProvider,
    counterProvider('ingest_accepted_total', 'Device events accepted onto Kafka, by type', ['type']),
    counterProvider(
      'ingest_rejected_total',
      'Device messages dead-lettered, by reason (contract breaches; unknown_device, device_in_stock, device_retired)',
      ['reason'],
    ),
  ],
  exports: [DeviceMessageIngestService],
})
export class IngestModule {}
