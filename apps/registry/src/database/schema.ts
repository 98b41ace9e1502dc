import type { DataSourceOptions } from 'typeorm';
import { OutboxMessage, postgresDataSourceOptions } from '@welfare/persistence';
import { AccessLogEntry } from '@welfare/access';
import { Device } from '../devices/device.entity';
import { HomeCareTeam } from '../home-care-teams/home-care-team.entity';
import { Municipality } from '../municipalities/municipality.entity';
import { Resident } from '../residents/resident.entity';
import { ResponseCentre } from '../response-centres/response-centre.entity';
import { Registry1764000000000 } from './migrations/1764000000000-registry';
import { Tenancy1764200000000 } from './migrations/1764200000000-tenancy';
import { PublishedRecords1764500000000 } from './migrations/1764500000000-published-records';
import { ScaipUnits1764700000000 } from './migrations/1764700000000-scaip-units';
import { BrowserSessions1765300000000 } from './migrations/1765300000000-browser-sessions';

/** The registry's tables and the migrations that create them, in order. */
export const registryEntities = [
  ResponseCentre,
  Municipality,
  HomeCareTeam,
  Resident,
  Device,
  OutboxMessage,
  AccessLogEntry,
];
export const registryMigrations = [
  Registry1764000000000,
  Tenancy1764200000000,
  PublishedRecords1764500000000,
  ScaipUnits1764700000000,
  BrowserSessions1765300000000,
];

/** Its own migrations table, so the registry's history never mixes with another service's. */
export const REGISTRY_MIGRATIONS_TABLE = 'registry_migrations';

export function registryDataSourceOptions(url: string, poolSize: number, applicationName: string): DataSourceOptions {
  return {
    ...postgresDataSourceOptions({
      url,
      poolSize,
      applicationName,
      entities: registryEntities,
      migrations: registryMigrations,
    }),
    migrationsTableName: REGISTRY_MIGRATIONS_TABLE,
  };
}
