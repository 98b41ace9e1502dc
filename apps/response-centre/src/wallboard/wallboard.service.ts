import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Actor } from '@welfare/access';
import { Clock } from '@welfare/platform';
import { DataSource } from 'typeorm';
import { ACTIVE_DISPATCH_STATUSES } from '../dispatch/dispatch.entity';
import type { Share } from '../reports/report-figures';
import { todayLabel } from '../reports/report-period';
import { ReportsService } from '../reports/reports.service';

/** What a supervisor's wallboard shows: the shift at a glance, no resident and no operator named. */
export interface WallboardFigures {
  at: string;
  today: { alarms: number; answered: number; within60s: Share; escalations: number };
  queue: { open: number; byPriority: Record<'1' | '2' | '3', number>; oldestOpenSince: string | null };
  dispatchesUnderWay: number;
  devicesSilent: number;
}

interface QueueRow {
  priority: number;
  open: string;
  oldest: Date | null;
}

/**
 * Today's figures come from the report read model; the queue, the dispatches under way and the
 * silent devices are counts over the centre's current rows (the operator queue's own indexes),
 * read when the board asks, never on the alarm path.
 */
@Injectable()
export class WallboardService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reports: ReportsService,
    private readonly clock: Clock,
  ) {}

  async board(actor: Actor, centreId: string): Promise<WallboardFigures> {
    if (actor.responseCentreId !== centreId)
      throw new NotFoundException(`no wallboard for centre ${centreId} among yours`);
    const now = this.clock.now();
    const { figures } = await this.reports.forCentre(actor, centreId, todayLabel(now));
    const [queue, dispatches, silent] = await Promise.all([
      this.queue(centreId),
      this.count(
        `SELECT count(*) AS n FROM dispatches d JOIN alarms a ON a.id = d.alarm_id
          WHERE d.status = ANY($2) AND (a.response_centre_id = $1 OR a.response_centre_id IS NULL)`,
        [centreId, ACTIVE_DISPATCH_STATUSES],
      ),
      this.count(
        `SELECT count(*) AS n FROM device_supervision s JOIN registry_devices d ON d.device_id = s.device_id
          WHERE s.silent_alarm_id IS NOT NULL AND d.response_centre_id = $1`,
        [centreId],
      ),
    ]);
    return {
      at: now.toISOString(),
      today: {
        alarms: figures.alarms,
        answered: figures.timeToAnswer.count,
        within60s: figures.timeToAnswer.within60s,
        escalations: figures.escalations.escalations,
      },
      queue,
      dispatchesUnderWay: dispatches,
      devicesSilent: silent,
    };
  }

  /** Alarms nobody has taken yet, by priority, and since when the oldest has waited. */
  private async queue(centreId: string): Promise<WallboardFigures['queue']> {
    const rows: QueueRow[] = await this.dataSource.query(
      `SELECT priority, count(*) AS open, min(opened_at) AS oldest FROM alarms
        WHERE state = 'open' AND (response_centre_id = $1 OR response_centre_id IS NULL)
        GROUP BY priority`,
      [centreId],
    );
    const byPriority = { '1': 0, '2': 0, '3': 0 };
    for (const row of rows) byPriority[String(row.priority) as '1' | '2' | '3'] = Number(row.open);
    const oldest = rows.map((row) => row.oldest).filter((at): at is Date => at !== null);
    return {
      open: rows.reduce((total, row) => total + Number(row.open), 0),
      byPriority,
      oldestOpenSince:
        oldest.length === 0 ? null : new Date(Math.min(...oldest.map((at) => at.getTime()))).toISOString(),
    };
  }

  private async count(sql: string, params: unknown[]): Promise<number> {
    const [row]: { n: string }[] = await this.dataSource.query(sql, params);
    return Number(row.n);
  }
}
