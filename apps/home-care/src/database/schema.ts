import type { DataSourceOptions } from 'typeorm';
import { OutboxMessage, postgresDataSourceOptions } from '@welfare/persistence';
import { AccessLogEntry } from '@welfare/access';
import { Dispatch } from '../dispatches/dispatch.entity';
import { DispatchLogEntry } from '../dispatches/dispatch-log-entry.entity';
import { PushSubscription } from '../push/push-subscription.entity';
import { HomeCare1765000000000 } from './migrations/1765000000000-home-care';
import { PushSubscriptions1765100000000 } from './migrations/1765100000000-push-subscriptions';
import { BrowserSessions1765200000000 } from './migrations/1765200000000-browser-sessions';

/** The home-care service's tables and the migrations that create them, in order. */
export const homeCareEntities = [Dispatch, DispatchLogEntry, OutboxMessage, AccessLogEntry, PushSubscription];
export const homeCareMigrations = [HomeCare1765000000000, PushSubscriptions1765100000000, BrowserSessions1765200000000];

/** Its own migrations table, so its history never mixes with another service's. */
export const HOME_CARE_MIGRATIONS_TABLE = 'home_care_migrations';

export function homeCareDataSourceOptions(url: string, poolSize: number, applicationName: string): DataSourceOptions {
  return {
    ...postgresDataSourceOptions({
      url,
      poolSize,
      applicationName,
      entities: homeCareEntities,
      migrations: homeCareMigrations,
    }),
    migrationsTableName: HOME_CARE_MIGRATIONS_TABLE,
  };
}
