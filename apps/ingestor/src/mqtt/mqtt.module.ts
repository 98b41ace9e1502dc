import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { MqttIntakeService } from './mqtt-intake.service';

@Module({ imports: [IngestModule], providers: [MqttIntakeService], exports: [MqttIntakeService] })
export class MqttModule {}
