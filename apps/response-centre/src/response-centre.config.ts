import { PeopleApiSettings } from '@welfare/access';
import { IsInt, IsNumber, IsString, Matches, Max, Min } from 'class-validator';

/** Every setting of the response centre, read from the environment once and validated at start-up. */
export class ResponseCentreConfig extends PeopleApiSettings {
  override KAFKA_CLIENT_ID: string = 'response-centre';
  override HTTP_PORT: number = 3000;

  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  KAFKA_CONSUMER_GROUP: string = 'response-centre';

  /**
   * Telemetry-lane partitions taken in at the same time, each batch in its own transaction (one
   * device's events stay in order: a device always maps to one partition). Each holds a database
   * connection while it works: leave connections in DATABASE_POOL_SIZE for the alarm lane
   * (ALARM_INTAKE_CONCURRENCY), the API and the outbox, or alarms wait for a connection.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  INTAKE_CONCURRENCY: number = 2;

  /** Telemetry events stored per transaction (the most a fetched batch is cut into). */
  @IsInt()
  @Min(1)
  @Max(5000)
  INTAKE_BATCH_SIZE: number = 500;

  /** Alarm-lane partitions taken in at the same time, each in its own (small) transaction. */
  @IsInt()
  @Min(1)
  @Max(64)
  ALARM_INTAKE_CONCURRENCY: number = 2;

  /**
   * Seconds an alarm of priority 1, 2 and 3 may wait unacknowledged before it escalates, and
   * escalates again each time that passes once more (e.g. "60,300,1800").
   */
  @IsString()
  @Matches(/^\d{1,6},\d{1,6},\d{1,6}$/, {
    message: 'ESCALATION_LIMITS_SECONDS must be three whole numbers of seconds for priorities 1,2,3, e.g. 60,300,1800',
  })
  @Matches(/^(?!.*(^|,)0*[0-4](,|$))/, { message: 'ESCALATION_LIMITS_SECONDS: each limit must be at least 5 seconds' })
  ESCALATION_LIMITS_SECONDS: string = '60,300,1800';

  /** Seconds past a device's heartbeat interval before it counts as silent (a technical alarm). */
  @IsInt()
  @Min(0)
  @Max(86_400)
  HEARTBEAT_GRACE_SECONDS: number = 120;

  /** When at least this share of supervised devices (and FLEET_SILENCE_MIN_DEVICES) fall silent at once, one system alarm is raised instead of one each. */
  @IsNumber()
  @Min(0.01)
  @Max(1)
  FLEET_SILENCE_FRACTION: number = 0.5;

  @IsInt()
  @Min(2)
  FLEET_SILENCE_MIN_DEVICES: number = 5;

  /** Seconds a home-care team has to accept a dispatch when the operator does not say (30 to 3600). */
  @IsInt()
  @Min(30)
  @Max(3600)
  DISPATCH_ACCEPT_SECONDS: number = 300;

  /**
   * Seconds past a dispatch's acceptBy the centre waits for home care to say anything (accepted,
   * declined, expired) before it marks the dispatch unanswered and escalates the alarm itself:
   * the backstop for a home-care service that is down.
   */
  @IsInt()
  @Min(0)
  @Max(3600)
  DISPATCH_UNANSWERED_GRACE_SECONDS: number = 60;

  /**
   * How often each operator's live stream looks for new handling-log steps even without a
   * database notification (a lost LISTEN connection, PGlite whose NOTIFY stays on its session).
   */
  @IsInt()
  @Min(100)
  @Max(60_000)
  STREAM_POLL_INTERVAL_MS: number = 2000;

  /** Seconds between keep-alive comments on an idle live stream (proxies close silent connections). */
  @IsInt()
  @Min(1)
  @Max(300)
  STREAM_HEARTBEAT_SECONDS: number = 15;
}
