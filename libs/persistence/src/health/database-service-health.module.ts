import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseServiceHealthController } from './database-service-health.controller';

@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [DatabaseServiceHealthController] })
export class DatabaseServiceHealthModule {}
