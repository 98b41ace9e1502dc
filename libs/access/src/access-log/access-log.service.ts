import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '@welfare/platform';
import type { Actor } from '../actor';
import { AccessLogEntry } from './access-log-entry.entity';

export interface PersonalDataRead {
  action: string;
  resourceId: string;
  residentId: string | null;
}

/**
 * Writes the access log. Callers write before they answer: if the log cannot be written, the
 * read fails, so no personal data leaves unlogged.
 */
@Injectable()
export class AccessLogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async record(
    actor: Actor,
    reads: PersonalDataRead[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (reads.length === 0) return;
    const at = this.clock.now();
    const who = {
      actorSubject: actor.subject,
      actorName: actor.name,
      actorRoles: actor.roles.join(','),
      actorTenant: tenantOf(actor),
    };
    await manager.insert(
      AccessLogEntry,
      reads.map((read) => ({ at, ...who, ...read })),
    );
  }

  /** The log of one resident's data, newest first (for the municipality's own review). */
  forResident(residentId: string, limit: number): Promise<AccessLogEntry[]> {
    return this.dataSource.manager.find(AccessLogEntry, { where: { residentId }, order: { id: 'DESC' }, take: limit });
  }
}

function tenantOf(actor: Actor): string | null {
  return actor.responseCentreId ?? actor.municipalityId ?? actor.homeCareTeamId;
}
