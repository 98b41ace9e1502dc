import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { MunicipalitiesController } from './municipalities.controller';
import { MunicipalitiesService } from './municipalities.service';

@Module({ imports: [OutboxModule], controllers: [MunicipalitiesController], providers: [MunicipalitiesService] })
export class MunicipalitiesModule {}
