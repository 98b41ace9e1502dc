import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import type { TeamScope } from '../access/team-scope';
import { Dispatch } from './dispatch.entity';
import { ACTIVE_STATUSES, DispatchStatus } from './dispatch-state';

/**
 * Every query on dispatches. Queries made for a nurse take the TeamScope: another team's
 * dispatch is not found. State changes are conditional updates (`WHERE status = from`), so of
 * two concurrent callers exactly one changes the row.
 */
@Injectable()
export class DispatchesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores a new dispatch; false when one with its id exists (a redelivered record changes nothing). */
  async insertIfNew(manager: EntityManager, dispatch: Dispatch): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(Dispatch)
      .values(dispatch)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length === 1;
  }

  /** By id alone, for the response centre's records (which name the team themselves); `lock` holds the row. */
  async findById(manager: EntityManager, id: string, lock = false): Promise<Dispatch | null> {
    return manager.findOne(Dispatch, {
      where: { id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  async findInTeam(
    scope: TeamScope,
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Dispatch | null> {
    return manager.findOneBy(Dispatch, { id, homeCareTeamId: scope.homeCareTeamId });
  }

  async findManyInTeam(scope: TeamScope, ids: string[]): Promise<Dispatch[]> {
    if (ids.length === 0) return [];
    return this.dataSource.manager.findBy(Dispatch, { id: In(ids), homeCareTeamId: scope.homeCareTeamId });
  }

  /**
   * The team's dispatches: those someone may still have to act on first (most urgent, then
   * oldest), then the finished ones, newest first.
   */
  async listForTeam(
    scope: TeamScope,
    statuses: readonly DispatchStatus[] | undefined,
    limit: number,
  ): Promise<Dispatch[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(Dispatch, 'd')
      .where('d.home_care_team_id = :team', { team: scope.homeCareTeamId })
      .setParameter('active', [...ACTIVE_STATUSES]);
    if (statuses) query.andWhere('d.status IN (:...statuses)', { statuses: [...statuses] });
    return query
      .orderBy('CASE WHEN d.status IN (:...active) THEN 0 ELSE 1 END', 'ASC')
      .addOrderBy('CASE WHEN d.status IN (:...active) THEN d.priority END', 'ASC')
      .addOrderBy('CASE WHEN d.status IN (:...active) THEN d.requested_at END', 'ASC')
      .addOrderBy('d.updated_at', 'DESC')
      .addOrderBy('d.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * UPDATE ... WHERE id AND team AND status = from [AND accept_by > now]: of concurrent callers
   * (two nurses, a nurse and the expiry sweep) exactly one changes the row. False when none did.
   */
  async transition(
    manager: EntityManager,
    scope: TeamScope,
    id: string,
    from: DispatchStatus,
    changes: Partial<Dispatch>,
    acceptableAt?: Date,
  ): Promise<boolean> {
    const query = manager
      .createQueryBuilder()
      .update(Dispatch)
      .set(changes)
      .where('id = :id AND home_care_team_id = :team AND status = :from', { id, team: scope.homeCareTeamId, from });
    if (acceptableAt) query.andWhere('accept_by > :acceptableAt', { acceptableAt });
    const result = await query.execute();
    return (result.affected ?? 0) === 1;
  }

  /** Dispatches still requested at their acceptBy, locked; rows another instance (or an accept) holds are skipped. */
  async lockDueForExpiry(manager: EntityManager, now: Date, limit: number): Promise<Dispatch[]> {
    return manager
      .createQueryBuilder(Dispatch, 'd')
      .where("d.status = 'requested' AND d.accept_by <= :now", { now })
      .orderBy('d.accept_by', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async update(manager: EntityManager, id: string, changes: Partial<Dispatch>): Promise<void> {
    await manager.update(Dispatch, { id }, changes);
  }
}
