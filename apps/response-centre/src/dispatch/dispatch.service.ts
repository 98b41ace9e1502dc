import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '@welfare/access';
import type { DispatchActor, DispatchRequestedRecord, DispatchWithdrawnRecord } from '@welfare/contracts';
import { OutboxRelayService } from '@welfare/persistence';
import { Clock } from '@welfare/platform';
import { CentreScope, centreScopeOf } from '../access/centre-scope';
import { Alarm } from '../alarms/alarm.entity';
import { alarmNotFound, refusal } from '../alarms/alarm-state';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { HomeCareTeam, RegistryHomeCareTeamsRepository } from '../registry-view/registry-home-care-teams.repository';
import { RegistryResidentsRepository } from '../registry-view/registry-residents.repository';
import { ResponseCentreConfig } from '../response-centre.config';
import { Dispatch, isActive } from './dispatch.entity';
import {
  alarmWithoutMunicipality,
  dispatchAlreadyActive,
  dispatchNotActive,
  dispatchNotFound,
  teamOfAnotherMunicipality,
  teamUnknown,
} from './dispatch-errors';
import { DispatchOutbox } from './dispatch-outbox';
import { DispatchesRepository } from './dispatches.repository';

export interface DispatchRequest {
  homeCareTeamId: string;
  instructions: string;
  acceptWithinSeconds?: number;
}

/**
 * What operators do about home care. Each action is one transaction holding the alarm's row:
 * the dispatch row, its handling-log step and the record for home care (outbox), so none
 * exists without the others. Scoped like every alarm action: another centre's alarm is not found.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alarms: AlarmsRepository,
    private readonly dispatches: DispatchesRepository,
    private readonly teams: RegistryHomeCareTeamsRepository,
    private readonly residents: RegistryResidentsRepository,
    private readonly log: HandlingLogRepository,
    private readonly outbox: DispatchOutbox,
    private readonly relay: OutboxRelayService,
    private readonly config: ResponseCentreConfig,
    private readonly clock: Clock,
  ) {}

  /** Asks a team of the alarm's municipality to visit; the alarm must be taken and have no active dispatch. */
  async dispatch(actor: Actor, alarmId: string, request: DispatchRequest): Promise<Dispatch> {
    const scope = centreScopeOf(actor);
    const dispatch = await this.dataSource.transaction(async (manager) => {
      const alarm = await this.lockAlarm(manager, scope, alarmId);
      const refused = refusal('dispatch', alarm);
      if (refused) throw refused;
      const active = await this.dispatches.findActive(manager, alarmId);
      if (active) throw dispatchAlreadyActive(active);
      const team = await this.teamFor(manager, alarm, request.homeCareTeamId);
      const created = this.newDispatch(actor, alarm, team, request);
      await this.dispatches.insert(manager, created);
      await this.alarms.touch(manager, alarmId, created.requestedAt);
      await this.log.append(manager, {
        alarmId,
        step: 'dispatched',
        at: created.requestedAt,
        actorKind: 'operator',
        actorId: actor.subject,
        details: {
          dispatchId: created.id,
          homeCareTeamId: team.id,
          homeCareTeamName: team.name,
          instructions: created.instructions,
          acceptBy: created.acceptBy.toISOString(),
        },
      });
      await this.outbox.enqueue(
        manager,
        await this.requestedRecord(manager, actor, alarm, created, scope),
        created.requestedAt,
      );
      return created;
    });
    void this.relay.drain();
    this.logger.log(
      { alarmId, dispatchId: dispatch.id, homeCareTeamId: dispatch.homeCareTeamId, operatorId: actor.subject },
      'home care dispatched',
    );
    return dispatch;
  }

  /**
   * Takes a dispatch back, telling the team why. Allowed in any alarm state (a device may have
   * resolved its alarm while a nurse was on the way), for a dispatch a team may still be acting on.
   */
  async withdraw(actor: Actor, alarmId: string, dispatchId: string, reason: string): Promise<Dispatch> {
    const scope = centreScopeOf(actor);
    const withdrawn = await this.dataSource.transaction(async (manager) => {
      await this.lockAlarm(manager, scope, alarmId);
      const dispatch = await this.dispatches.find(manager, dispatchId, true, alarmId);
      if (!dispatch) throw dispatchNotFound(alarmId, dispatchId);
      if (!isActive(dispatch.status)) throw dispatchNotActive(dispatch);
      const at = this.clock.now();
      const changes = {
        status: 'withdrawn' as const,
        withdrawnBy: actor.subject,
        withdrawnAt: at,
        withdrawReason: reason,
        updatedAt: at,
      };
      await this.dispatches.update(manager, dispatchId, changes);
      await this.alarms.touch(manager, alarmId, at);
      await this.log.append(manager, {
        alarmId,
        step: 'dispatch_withdrawn',
        at,
        actorKind: 'operator',
        actorId: actor.subject,
        details: { dispatchId, homeCareTeamId: dispatch.homeCareTeamId, statusBefore: dispatch.status, reason },
      });
      const record: DispatchWithdrawnRecord = {
        v: 1,
        type: 'dispatch.withdrawn',
        dispatchId,
        alarmId,
        homeCareTeamId: dispatch.homeCareTeamId,
        reason,
        withdrawnBy: recordActor(actor),
        withdrawnAt: at.toISOString(),
      };
      await this.outbox.enqueue(manager, record, at);
      return { ...dispatch, ...changes };
    });
    void this.relay.drain();
    this.logger.log({ alarmId, dispatchId, operatorId: actor.subject }, 'dispatch withdrawn');
    return withdrawn;
  }

  private async lockAlarm(manager: EntityManager, scope: CentreScope, alarmId: string): Promise<Alarm> {
    const alarm = await this.alarms.findInScope(scope, alarmId, manager, true);
    if (!alarm) throw alarmNotFound(alarmId);
    return alarm;
  }

  /** The named team, if the registry published it, it is not deleted, and it serves the alarm's municipality. */
  private async teamFor(manager: EntityManager, alarm: Alarm, homeCareTeamId: string): Promise<HomeCareTeam> {
    if (!alarm.municipalityId) throw alarmWithoutMunicipality(alarm.id);
    const team = await this.teams.find(homeCareTeamId, manager);
    if (!team || team.deleted) throw teamUnknown(homeCareTeamId);
    if (team.municipalityId !== alarm.municipalityId)
      throw teamOfAnotherMunicipality(team.id, team.municipalityId, alarm.municipalityId);
    return team;
  }

  private newDispatch(actor: Actor, alarm: Alarm, team: HomeCareTeam, request: DispatchRequest): Dispatch {
    const requestedAt = this.clock.now();
    const acceptWithinSeconds = request.acceptWithinSeconds ?? this.config.DISPATCH_ACCEPT_SECONDS;
    return {
      id: randomUUID(),
      alarmId: alarm.id,
      homeCareTeamId: team.id,
      homeCareTeamName: team.name,
      municipalityId: team.municipalityId,
      status: 'requested',
      instructions: request.instructions,
      requestedBy: actor.subject,
      requestedByName: actor.name,
      requestedAt,
      acceptBy: new Date(requestedAt.getTime() + acceptWithinSeconds * 1000),
      acceptedById: null,
      acceptedByName: null,
      acceptedAt: null,
      withdrawnBy: null,
      withdrawnAt: null,
      withdrawReason: null,
      updatedAt: requestedAt,
    };
  }

  private async requestedRecord(
    manager: EntityManager,
    actor: Actor,
    alarm: Alarm,
    dispatch: Dispatch,
    scope: CentreScope,
  ): Promise<DispatchRequestedRecord> {
    return {
      v: 1,
      type: 'dispatch.requested',
      dispatchId: dispatch.id,
      alarmId: alarm.id,
      homeCareTeamId: dispatch.homeCareTeamId,
      municipalityId: dispatch.municipalityId,
      // An alarm without a centre is handled by whichever centre took it: the dispatching one.
      responseCentreId: alarm.responseCentreId ?? scope.responseCentreId,
      priority: alarm.priority,
      triggerType: alarm.triggerType,
      instructions: dispatch.instructions,
      resident: await this.residents.forDispatch(manager, alarm.residentId),
      requestedBy: recordActor(actor),
      requestedAt: dispatch.requestedAt.toISOString(),
      acceptBy: dispatch.acceptBy.toISOString(),
    };
  }
}

/** The contract caps actor ids and names at 200 characters; a longer display name is shortened, not refused. */
function recordActor(actor: Actor): DispatchActor {
  return { id: actor.subject, name: actor.name.slice(0, 200) };
}
