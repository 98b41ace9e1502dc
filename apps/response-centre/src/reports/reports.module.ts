import { Module } from '@nestjs/common';
import { DeviceHeardHoursService } from './device-heard-hours.service';
import { ReportFactsRepository } from './report-facts.repository';
import { ReportProjectionService } from './report-projection.service';
import { ReportWorkers } from './report-workers';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Response-time reports: a read model folded from the handling log, and the report API, CSV and PDF over it (made in a worker thread). */
@Module({
  controllers: [ReportsController],
  providers: [ReportFactsRepository, ReportProjectionService, DeviceHeardHoursService, ReportWorkers, ReportsService],
  exports: [ReportProjectionService, ReportsService],
})
export class ReportsModule {}
