import { Module } from '@nestjs/common';
import { ReportsModule } from '../reports/reports.module';
import { WallboardController } from './wallboard.controller';
import { WallboardService } from './wallboard.service';

/** The supervisors' live wallboard: its page and the figures it shows. */
@Module({ imports: [ReportsModule], controllers: [WallboardController], providers: [WallboardService] })
export class WallboardModule {}
