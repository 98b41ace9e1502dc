import { Alarm } from '../alarms/alarm.entity';
import { DeviceEventRow } from '../device-events/device-event.entity';
import { HandlingLogEntry } from '../handling-log/handling-log-entry.entity';
import { OutboxMessage } from '@welfare/persistence';
import { Backbone1763900000000 } from './migrations/1763900000000-backbone';
import { RegistryView1764100000000 } from './migrations/1764100000000-registry-view';

/** The response centre's tables and the migrations that create them, in order. */
export const responseCentreEntities = [Alarm, DeviceEventRow, HandlingLogEntry, OutboxMessage];
export const responseCentreMigrations = [Backbone1763900000000, RegistryView1764100000000];
