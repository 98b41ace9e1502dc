import { Module } from '@nestjs/common';
import { ReportFactsRepository } from './report-facts.repository';
import { ReportProjectionService } from './report-projection.service';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Response-time reports: a read model folded from the handling log, and the report API, CSV and PDF over it. */
@Module({
  controllers: [ReportsController],
  providers: [ReportFactsRepository, ReportProjectionService, ReportsService],
  exports: [ReportProjectionService, ReportsService],
})
export class ReportsModule {}
