import { Injectable } from '@nestjs/common';
import { AccessLogService, Actor } from '@welfare/access';
import { teamScopeOf } from '../access/team-scope';
import { formatCursor } from '../stream/stream-cursor';
import { Dispatch } from './dispatch.entity';
import { DispatchLogEntry } from './dispatch-log-entry.entity';
import { DispatchLogRepository } from './dispatch-log.repository';
import { ACTIVE_STATUSES, dispatchNotFound, DispatchStatus } from './dispatch-state';
import { DispatchesRepository } from './dispatches.repository';
import { DispatchActorDto, DispatchDetailDto, DispatchLogEntryDto, DispatchSummaryDto } from './dto/dispatch.dto';

/**
 * Read models of a team's dispatches, scoped to the nurse's team. A dispatch carries the
 * resident's name, address, access notes and contacts: every read is written to the access log
 * before it is answered (a failed log write fails the read).
 */
@Injectable()
export class DispatchQueriesService {
  constructor(
    private readonly dispatches: DispatchesRepository,
    private readonly log: DispatchLogRepository,
    private readonly accessLog: AccessLogService,
  ) {}

  /**
   * The team's dispatches, and the stream position to follow them live from: taken before the
   * list is read, so every change the list does not show comes on the stream after it (some
   * the list already shows may come too: the page replaces a dispatch by id).
   */
  async list(
    actor: Actor,
    statuses: DispatchStatus[] | undefined,
    limit: number,
  ): Promise<{ cursor: string; dispatches: DispatchSummaryDto[] }> {
    const scope = teamScopeOf(actor);
    const cursor = formatCursor(await this.log.horizon());
    const dispatches = await this.dispatches.listForTeam(scope, statuses, limit);
    await this.accessLog.record(
      actor,
      dispatches.map((dispatch) => ({
        action: 'dispatch.list',
        resourceId: dispatch.id,
        residentId: dispatch.residentId,
      })),
    );
    return { cursor, dispatches: dispatches.map(toSummary) };
  }

  async detail(actor: Actor, id: string): Promise<DispatchDetailDto> {
    const dispatch = await this.dispatches.findInTeam(teamScopeOf(actor), id);
    if (!dispatch) throw dispatchNotFound(id);
    await this.accessLog.record(actor, [
      { action: 'dispatch.read', resourceId: dispatch.id, residentId: dispatch.residentId },
    ]);
    const log = await this.log.forDispatch(id);
    return { ...toSummary(dispatch), log: log.map(toLogDto) };
  }

  /** The current summaries of the team's dispatches with these ids, for the live stream (which logs the read itself). */
  async summaries(
    actor: Actor,
    ids: string[],
  ): Promise<Map<string, { summary: DispatchSummaryDto; residentId: string | null }>> {
    const found = await this.dispatches.findManyInTeam(teamScopeOf(actor), [...new Set(ids)]);
    return new Map(
      found.map((dispatch) => [dispatch.id, { summary: toSummary(dispatch), residentId: dispatch.residentId }]),
    );
  }
}

export function toSummary(dispatch: Dispatch): DispatchSummaryDto {
  const who = (id: string | null, name: string | null): DispatchActorDto | null => (id === null ? null : { id, name });
  const iso = (at: Date | null) => at?.toISOString() ?? null;
  return {
    id: dispatch.id,
    alarmId: dispatch.alarmId,
    homeCareTeamId: dispatch.homeCareTeamId,
    status: dispatch.status,
    active: ACTIVE_STATUSES.includes(dispatch.status),
    priority: dispatch.priority,
    triggerType: dispatch.triggerType,
    instructions: dispatch.instructions,
    resident: dispatch.resident,
    requestedBy: { id: dispatch.requestedById, name: dispatch.requestedByName },
    requestedAt: dispatch.requestedAt.toISOString(),
    acceptBy: dispatch.acceptBy.toISOString(),
    acceptedBy: who(dispatch.acceptedById, dispatch.acceptedByName),
    acceptedAt: iso(dispatch.acceptedAt),
    enRouteBy: who(dispatch.enRouteById, dispatch.enRouteByName),
    enRouteAt: iso(dispatch.enRouteAt),
    arrivedBy: who(dispatch.arrivedById, dispatch.arrivedByName),
    arrivedAt: iso(dispatch.arrivedAt),
    completedBy: who(dispatch.completedById, dispatch.completedByName),
    completedAt: iso(dispatch.completedAt),
    report: dispatch.report,
    declinedBy: who(dispatch.declinedById, dispatch.declinedByName),
    declinedAt: iso(dispatch.declinedAt),
    declineReason: dispatch.declineReason,
    expiredAt: iso(dispatch.expiredAt),
    withdrawnBy: who(dispatch.withdrawnById, dispatch.withdrawnByName),
    withdrawnAt: iso(dispatch.withdrawnAt),
    withdrawalReason: dispatch.withdrawalReason,
    updatedAt: dispatch.updatedAt.toISOString(),
  };
}

export function toLogDto(entry: DispatchLogEntry): DispatchLogEntryDto {
  return {
    id: entry.id,
    step: entry.step,
    at: entry.at.toISOString(),
    actorKind: entry.actorKind,
    actorId: entry.actorId,
    actorName: entry.actorName,
    details: entry.details,
  };
}
