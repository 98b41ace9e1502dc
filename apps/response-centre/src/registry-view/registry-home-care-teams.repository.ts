import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RegistryHomeCareTeamRecord } from '@welfare/contracts';

/** A home-care team as the registry last described it. */
export interface HomeCareTeam {
  id: string;
  municipalityId: string;
  name: string;
  deleted: boolean;
}

interface TeamRow {
  team_id: string;
  municipality_id: string;
  name: string;
  deleted: boolean;
}

/**
 * The local copy of registry.home-care-teams.v1: one row per team, the highest revision wins.
 * A team not (yet) here cannot be named in a dispatch.
 */
@Injectable()
export class RegistryHomeCareTeamsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Keeps the record unless a newer revision is already here (redelivery, or two relays' overlap). */
  async upsert(record: RegistryHomeCareTeamRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO registry_home_care_teams (team_id, revision, municipality_id, name, deleted, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (team_id) DO UPDATE SET
         revision = EXCLUDED.revision, municipality_id = EXCLUDED.municipality_id, name = EXCLUDED.name,
         deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at
       WHERE registry_home_care_teams.revision < EXCLUDED.revision`,
      [
        record.teamId,
        record.revision,
        record.municipalityId,
        record.name.slice(0, 200),
        record.deleted,
        record.updatedAt,
      ],
    );
  }

  /** The team, deleted or not; null when the registry has not told us about it. */
  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<HomeCareTeam | null> {
    const rows: TeamRow[] = await manager.query(
      `SELECT team_id, municipality_id, name, deleted FROM registry_home_care_teams WHERE team_id = $1`,
      [id],
    );
    return rows.length === 0 ? null : toTeam(rows[0]);
  }

  /** The teams a dispatch for an alarm of this municipality may go to, by name. */
  async ofMunicipality(municipalityId: string): Promise<HomeCareTeam[]> {
    const rows: TeamRow[] = await this.dataSource.query(
      `SELECT team_id, municipality_id, name, deleted FROM registry_home_care_teams WHERE municipality_id = $1 AND NOT deleted ORDER BY name, team_id`,
      [municipalityId],
    );
    return rows.map(toTeam);
  }
}

function toTeam(row: TeamRow): HomeCareTeam {
  return { id: row.team_id, municipalityId: row.municipality_id, name: row.name, deleted: row.deleted };
}
