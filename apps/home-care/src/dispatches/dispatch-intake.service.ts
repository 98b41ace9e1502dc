import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import type { DispatchRecord, DispatchRequestedRecord, DispatchWithdrawnRecord } from '@welfare/contracts';
import { PoisonRecordError } from '@welfare/kafka';
import { Clock, crashPoint, InjectMetric } from '@welfare/platform';
import { DispatchDoorbellService } from '../push/dispatch-doorbell.service';
import { Dispatch } from './dispatch.entity';
import { DispatchLogRepository } from './dispatch-log.repository';
import { ACTIVE_STATUSES } from './dispatch-state';
import { DispatchesRepository } from './dispatches.repository';

export type IntakeOutcome = 'stored' | 'duplicate' | 'withdrawn' | 'already_final';

/**
 * The response centre's records, each in one transaction. A dispatch is stored once, by its id:
 * a redelivered `dispatch.requested` finds it and changes nothing. A withdrawal marks an
 * unfinished dispatch withdrawn (the nurse sees it, later actions get 409); on a dispatch that
 * is already finished, or already withdrawn, it changes nothing. A withdrawal of a dispatch
 * this service never stored cannot be applied: it is dead-lettered for someone to look at.
 */
@Injectable()
export class DispatchIntakeService {
  private readonly logger = new Logger(DispatchIntakeService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatches: DispatchesRepository,
    private readonly log: DispatchLogRepository,
    private readonly clock: Clock,
    private readonly doorbell: DispatchDoorbellService,
    @InjectMetric('dispatch_records_total') private readonly taken: Counter<'type' | 'outcome'>,
  ) {}

  async take(record: DispatchRecord): Promise<IntakeOutcome> {
    const clean = withoutNul(record);
    const outcome = await this.dataSource.transaction((manager) =>
      clean.type === 'dispatch.requested' ? this.requested(manager, clean) : this.withdrawn(manager, clean),
    );
    // Stored, offset not yet committed: the record comes again and must change nothing.
    crashPoint('dispatch-intake.after-commit');
    // After the commit, and only for a dispatch stored now (a redelivery rings nobody again).
    if (clean.type === 'dispatch.requested' && outcome === 'stored')
      this.doorbell.ring(clean.homeCareTeamId.toLowerCase(), clean.dispatchId);
    this.taken.inc({ type: record.type, outcome });
    this.logger.log(
      {
        dispatchId: record.dispatchId,
        alarmId: record.alarmId,
        teamId: record.homeCareTeamId,
        type: record.type,
        outcome,
      },
      'dispatch record taken',
    );
    return outcome;
  }

  private async requested(manager: EntityManager, record: DispatchRequestedRecord): Promise<IntakeOutcome> {
    const now = this.clock.now();
    const dispatch = Object.assign(new Dispatch(), {
      id: record.dispatchId,
      alarmId: record.alarmId,
      homeCareTeamId: record.homeCareTeamId.toLowerCase(),
      municipalityId: record.municipalityId,
      responseCentreId: record.responseCentreId,
      priority: record.priority,
      triggerType: record.triggerType,
      instructions: record.instructions,
      resident: record.resident,
      residentId: record.resident?.residentId ?? null,
      requestedById: record.requestedBy.id,
      requestedByName: record.requestedBy.name,
      requestedAt: new Date(record.requestedAt),
      acceptBy: new Date(record.acceptBy),
      receivedAt: now,
      status: 'requested' as const,
      updatedAt: now,
    });
    if (!(await this.dispatches.insertIfNew(manager, dispatch))) return 'duplicate';
    await this.log.append(manager, {
      dispatchId: dispatch.id,
      homeCareTeamId: dispatch.homeCareTeamId,
      step: 'requested',
      at: now,
      actorKind: 'response_centre',
      actorId: record.requestedBy.id,
      actorName: record.requestedBy.name,
      details: {
        alarmId: record.alarmId,
        priority: record.priority,
        triggerType: record.triggerType,
        requestedAt: record.requestedAt,
        acceptBy: record.acceptBy,
      },
    });
    return 'stored';
  }

  private async withdrawn(manager: EntityManager, record: DispatchWithdrawnRecord): Promise<IntakeOutcome> {
    const dispatch = await this.dispatches.findById(manager, record.dispatchId, true);
    if (!dispatch)
      throw new PoisonRecordError(
        'unknown_dispatch',
        `dispatch ${record.dispatchId} (alarm ${record.alarmId}) was never received here; nothing to withdraw`,
      );
    if (dispatch.homeCareTeamId !== record.homeCareTeamId.toLowerCase() || dispatch.alarmId !== record.alarmId) {
      throw new PoisonRecordError(
        'dispatch_mismatch',
        `dispatch ${record.dispatchId} belongs to team ${dispatch.homeCareTeamId} and alarm ${dispatch.alarmId}, the withdrawal names team ${record.homeCareTeamId} and alarm ${record.alarmId}`,
      );
    }
    if (!ACTIVE_STATUSES.includes(dispatch.status)) {
      if (dispatch.status !== 'withdrawn')
        this.logger.warn(
          { dispatchId: dispatch.id, status: dispatch.status },
          'withdrawal of a finished dispatch: kept as it is',
        );
      return 'already_final';
    }
    const now = this.clock.now();
    await this.dispatches.update(manager, dispatch.id, {
      status: 'withdrawn',
      withdrawnById: record.withdrawnBy.id,
      withdrawnByName: record.withdrawnBy.name,
      withdrawnAt: new Date(record.withdrawnAt),
      withdrawalReason: record.reason,
      updatedAt: now,
    });
    await this.log.append(manager, {
      dispatchId: dispatch.id,
      homeCareTeamId: dispatch.homeCareTeamId,
      step: 'withdrawn',
      at: now,
      actorKind: 'response_centre',
      actorId: record.withdrawnBy.id,
      actorName: record.withdrawnBy.name,
      details: { reason: record.reason, withdrawnAt: record.withdrawnAt, previousStatus: dispatch.status },
    });
    return 'withdrawn';
  }
}

/**
 * PostgreSQL text and jsonb refuse the NUL character, which JSON allows: a dispatch must not be
 * lost to the dead-letter topic over one, so it becomes U+FFFD (the replacement character).
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string')
    // eslint-disable-next-line no-control-regex -- NUL is exactly what must be replaced
    return value.replace(/\u0000/g, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withoutNul(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [withoutNul(key), withoutNul(item)])) as T;
  }
  return value;
}
