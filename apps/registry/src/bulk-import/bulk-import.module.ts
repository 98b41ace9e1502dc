import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import express from 'express';
import { DevicesModule } from '../devices/devices.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RegistryConfig } from '../registry.config';
import { ResidentsModule } from '../residents/residents.module';
import { BulkImportController } from './bulk-import.controller';
import { BulkImportService } from './bulk-import.service';

@Module({
  imports: [OutboxModule, ResidentsModule, DevicesModule],
  controllers: [BulkImportController],
  providers: [BulkImportService],
})
export class BulkImportModule implements NestModule {
  constructor(private readonly config: RegistryConfig) {}

  /** The app parses only JSON (64 KiB); this route alone takes a CSV body, up to IMPORT_MAX_BYTES. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(express.text({ type: ['text/csv', 'text/plain'], limit: this.config.IMPORT_MAX_BYTES }))
      .forRoutes(BulkImportController);
  }
}
