import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { ResponseCentresController } from './response-centres.controller';
import { ResponseCentresService } from './response-centres.service';

@Module({ imports: [OutboxModule], controllers: [ResponseCentresController], providers: [ResponseCentresService] })
export class ResponseCentresModule {}
