import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { PeriodicSweep } from '@welfare/platform';
import { DataSource } from 'typeorm';
import { foldSteps } from './alarm-facts';
import { ReportFactsRepository } from './report-facts.repository';

/** Steps folded per transaction: a backlog after a restart is worked off in bounded pieces. */
const STEPS_PER_TRANSACTION = 5000;

/**
 * Keeps the reporting read model current from the handling log, off the alarm path: the intake
 * and the operators' actions write their steps as they always did, and this reads them later in
 * the live feed's (tx, id) order, folds them into per-alarm facts, and moves its position in the
 * same transaction. Every step is therefore counted once, also with two instances (the position
 * row is locked) or after a crash (the transaction rolls back and the steps are read again).
 */
@Injectable()
export class ReportProjectionService {
  private readonly logger = new Logger(ReportProjectionService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'report projection');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly facts: ReportFactsRepository,
  ) {}

  /** Every 5 s, so a report asked for in a quiet moment finds nothing left to fold. */
  @Interval('report-projection', 5000)
  sweep(): Promise<number> {
    return this.periodicSweep.run(() => this.catchUp());
  }

  /** Folds every step committed so far (a report calls this first, so it is never stale); returns how many. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const folded = await this.dataSource.transaction(async (manager) => {
        const position = await this.facts.lockPosition(manager);
        const { steps, last } = await this.facts.stepsAfter(manager, position, STEPS_PER_TRANSACTION);
        if (!last) return 0;
        await this.facts.merge(manager, foldSteps(steps));
        await this.facts.movePosition(manager, last);
        return steps.length;
      });
      total += folded;
      if (folded < STEPS_PER_TRANSACTION) return total;
    }
  }
}
