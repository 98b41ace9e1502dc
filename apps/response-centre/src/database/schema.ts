import { Alarm } from '../alarms/alarm.entity';
import { DeviceEventRow } from '../device-events/device-event.entity';
import { HandlingLogEntry } from '../handling-log/handling-log-entry.entity';
import { OutboxMessage } from '@welfare/persistence';
import { AccessLogEntry } from '@welfare/access';
import { Backbone1763900000000 } from './migrations/1763900000000-backbone';
import { RegistryView1764100000000 } from './migrations/1764100000000-registry-view';
import { AccessLog1764200000000 } from './migrations/1764200000000-access-log';
import { AlarmRules1764300000000 } from './migrations/1764300000000-alarm-rules';
import { Supervision1764400000000 } from './migrations/1764400000000-supervision';
import { ResidentRules1764500000000 } from './migrations/1764500000000-resident-rules';
import { Dispatch1764600000000 } from './migrations/1764600000000-dispatch';
import { HandlingLogFeed1764600000001 } from './migrations/1764600000001-handling-log-feed';
import { HomeCareActorIds1764600000002 } from './migrations/1764600000002-home-care-actor-ids';
import { BrowserSessions1764700000000 } from './migrations/1764700000000-browser-sessions';
import { ReportFacts1764800000000 } from './migrations/1764800000000-report-facts';
import { DeviceHeardHours1764900000000 } from './migrations/1764900000000-device-heard-hours';
import { ReportFactsMeasures1764950000000 } from './migrations/1764950000000-report-facts-measures';
import { Dispatch } from '../dispatch/dispatch.entity';

/** The response centre's tables and the migrations that create them, in order. */
export const responseCentreEntities = [
  Alarm,
  DeviceEventRow,
  HandlingLogEntry,
  OutboxMessage,
  AccessLogEntry,
  Dispatch,
];
export const responseCentreMigrations = [
  Backbone1763900000000,
  RegistryView1764100000000,
  AccessLog1764200000000,
  AlarmRules1764300000000,
  Supervision1764400000000,
  ResidentRules1764500000000,
  Dispatch1764600000000,
  HandlingLogFeed1764600000001,
  HomeCareActorIds1764600000002,
  BrowserSessions1764700000000,
  ReportFacts1764800000000,
  DeviceHeardHours1764900000000,
  ReportFactsMeasures1764950000000,
];
