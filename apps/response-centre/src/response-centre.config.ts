import { BrowserSignInSettings } from '@welfare/access';
import { Setting } from '@welfare/platform';
import { IsInt, IsNumber, IsString, Matches, Max, Min } from 'class-validator';

/** Every setting of the response centre, read from the environment once and validated at start-up. */
export class ResponseCentreConfig extends BrowserSignInSettings {
  override KAFKA_CLIENT_ID: string = 'response-centre';
  override HTTP_PORT: number = 3000;

  @Setting('the consumer group reading device events, the registry topics and `dispatch-updates.v1`')
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  KAFKA_CONSUMER_GROUP: string = 'response-centre';

  @Setting(
    "telemetry-lane (`device-events.v1`) partitions taken in at once, each batch in its own transaction (a device's events stay in order); each holds a database connection: leave connections in `DATABASE_POOL_SIZE` for the alarm lane, the API and the outbox",
  )
  @IsInt()
  @Min(1)
  @Max(64)
  INTAKE_CONCURRENCY: number = 2;

  @Setting('telemetry events stored per transaction (the most a fetched batch is cut into)')
  @IsInt()
  @Min(1)
  @Max(5000)
  INTAKE_BATCH_SIZE: number = 500;

  @Setting(
    "alarm-lane (`device-alarms.v1`) partitions taken in at once, each in its own small transaction (at most 50 events); all six by default, so one partition's alarms never wait for another's; each holds a database connection while it stores",
  )
  @IsInt()
  @Min(1)
  @Max(64)
  ALARM_INTAKE_CONCURRENCY: number = 6;

  @Setting(
    'longest a telemetry batch waits, in ms, for alarm-lane batches being stored before it starts anyway (alarms first; heartbeats must still get in)',
  )
  @IsInt()
  @Min(0)
  @Max(10_000)
  TELEMETRY_YIELD_MAX_MS: number = 1000;

  @Setting(
    'seconds an alarm of priority 1, 2 and 3 may stay unacknowledged before it escalates, and again each time that passes once more',
  )
  @IsString()
  @Matches(/^\d{1,6},\d{1,6},\d{1,6}$/, {
    message: 'ESCALATION_LIMITS_SECONDS must be three whole numbers of seconds for priorities 1,2,3, e.g. 60,300,1800',
  })
  @Matches(/^(?!.*(^|,)0*[0-4](,|$))/, { message: 'ESCALATION_LIMITS_SECONDS: each limit must be at least 5 seconds' })
  ESCALATION_LIMITS_SECONDS: string = '60,300,1800';

  @Setting('seconds of silence past a device\'s heartbeat interval before a "device silent" alarm')
  @IsInt()
  @Min(0)
  @Max(86_400)
  HEARTBEAT_GRACE_SECONDS: number = 120;

  @Setting(
    'when at least this share of supervised devices (and `FLEET_SILENCE_MIN_DEVICES`) fall silent at once, one system alarm is raised instead of one each',
  )
  @IsNumber()
  @Min(0.01)
  @Max(1)
  FLEET_SILENCE_FRACTION: number = 0.5;

  @Setting('fewest silent devices that count as the fleet falling silent (with `FLEET_SILENCE_FRACTION`)')
  @IsInt()
  @Min(2)
  FLEET_SILENCE_MIN_DEVICES: number = 5;

  @Setting('seconds a home-care team has to accept a dispatch when the operator gives none')
  @IsInt()
  @Min(30)
  @Max(3600)
  DISPATCH_ACCEPT_SECONDS: number = 300;

  @Setting(
    "seconds past a dispatch's `acceptBy` the centre waits for any word from home care before it marks the dispatch unanswered and escalates the alarm (the backstop for a home-care service that is down)",
  )
  @IsInt()
  @Min(0)
  @Max(3600)
  DISPATCH_UNANSWERED_GRACE_SECONDS: number = 60;

  @Setting(
    "how often each operator's live stream looks for new handling-log steps even without a database notification (a lost LISTEN connection, PGlite)",
  )
  @IsInt()
  @Min(100)
  @Max(60_000)
  STREAM_POLL_INTERVAL_MS: number = 2000;

  @Setting('seconds between keep-alive comments on an idle live stream (proxies close silent connections)')
  @IsInt()
  @Min(1)
  @Max(300)
  STREAM_HEARTBEAT_SECONDS: number = 15;
}
