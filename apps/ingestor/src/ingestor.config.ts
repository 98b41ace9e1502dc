import { CommonSettings, Setting } from '@welfare/platform';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Every setting of the MQTT ingestor, read from the environment once and validated at start-up. */
export class IngestorConfig extends CommonSettings {
  override KAFKA_CLIENT_ID: string = 'ingestor';
  override HTTP_PORT: number = 3001;

  @Setting(
    'the MQTT broker (`mqtt://`, `mqtts://` in production; the intake speaks MQTT over TCP or TLS itself, so no WebSocket URLs)',
  )
  @Matches(/^(mqtts?|tcp|ssl):\/\/.+/, { message: 'MQTT_URL must be an mqtt:// or mqtts:// URL' })
  MQTT_URL: string = 'mqtt://127.0.0.1:1883';

  @Setting("fixed, so the broker keeps this ingestor's session and queues device events while it is away")
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  MQTT_CLIENT_ID: string = 'welfare-ingestor-1';

  @Setting(
    "the ingestor's broker account (may subscribe to `devices/+/events`, also as `$share/+/...`, and publish `devices/+/commands`)",
  )
  @IsOptional()
  @IsString()
  MQTT_USERNAME?: string;

  @Setting("the password of the ingestor's broker account")
  @IsOptional()
  @IsString()
  MQTT_PASSWORD?: string;

  @Setting('set to share device events across ingestor instances (`$share/GROUP/...`; Mosquitto, EMQX, HiveMQ)')
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  MQTT_SHARED_GROUP?: string;

  @Setting('MQTT keepalive, in seconds')
  @IsInt()
  @Min(5)
  @Max(600)
  MQTT_KEEPALIVE_SECONDS: number = 30;

  @Setting(
    "QoS 1 messages the broker may send the intake before their PUBACKs (MQTT 5 Receive Maximum). The most MQTT allows by default: the intake then reads far ahead of a telemetry backlog, so an alarm reaches its lane instead of waiting in the broker's queue behind it (memory: at most this many messages of at most 8 KiB). An MQTT 3.1.1 broker decides this itself (Mosquitto: `max_inflight_messages`; aedes: no limit)",
  )
  @IsInt()
  @Min(1)
  @Max(65_535)
  MQTT_RECEIVE_MAXIMUM: number = 65_535;

  @Setting(
    'most records in one Kafka send of an ingest lane (a batch is sent as soon as the lane is free, never held to fill)',
  )
  @IsInt()
  @Min(1)
  @Max(10_000)
  INGEST_BATCH_MAX_RECORDS: number = 500;

  @Setting('the consumer group reading `device-commands.v1` (commands to send to devices)')
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  KAFKA_CONSUMER_GROUP: string = 'ingestor-device-commands';

  @Setting(
    'start-up reads `registry.devices.v1` to its end before MQTT intake begins; if that takes longer, the start fails',
  )
  @IsInt()
  @Min(1000)
  @Max(600_000)
  REGISTRY_VIEW_STARTUP_TIMEOUT_MS: number = 120_000;

  @Setting(
    'an event from a device the view does not know as active waits this long for the view to catch up; if it cannot, the message stays unacknowledged and is tried again (never refused on a stale view)',
  )
  @IsInt()
  @Min(100)
  @Max(60_000)
  REGISTRY_VIEW_CATCH_UP_TIMEOUT_MS: number = 5000;
}
