import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { MqttConnectionService } from './mqtt-connection.service';

@Module({ imports: [IngestModule], providers: [MqttConnectionService], exports: [MqttConnectionService] })
export class MqttModule {}
