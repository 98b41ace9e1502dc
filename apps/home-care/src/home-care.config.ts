import { BrowserSignInSettings } from '@welfare/access';
import { Setting } from '@welfare/platform';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

/** Every setting of the home-care service, read from the environment once and validated at start-up. */
export class HomeCareConfig extends BrowserSignInSettings {
  override KAFKA_CLIENT_ID: string = 'home-care';
  override HTTP_PORT: number = 3003;

  override DATABASE_POOL_SIZE: number = 10;

  @Setting('the consumer group reading `dispatches.v1`')
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  KAFKA_CONSUMER_GROUP: string = 'home-care';

  @Setting('how often dispatches not accepted by their `acceptBy` are expired (and the centre told)')
  @IsInt()
  @Min(100)
  @Max(60_000)
  DISPATCH_EXPIRY_SWEEP_MS: number = 1000;

  @Setting(
    "the nurses' live stream is woken by PostgreSQL NOTIFY; this is the fallback sweep while the LISTEN connection is down or the database cannot notify (embedded PGlite)",
  )
  @IsInt()
  @Min(100)
  @Max(60_000)
  DISPATCH_STREAM_POLL_MS: number = 2000;

  @Setting('a comment line on every open live stream this often, so proxies and phones keep the connection')
  @IsInt()
  @Min(1000)
  @Max(120_000)
  DISPATCH_STREAM_HEARTBEAT_MS: number = 15_000;

  @Setting('open live streams one instance serves; more are refused with 503 (the page retries)')
  @IsInt()
  @Min(1)
  @Max(10_000)
  DISPATCH_STREAM_MAX_CLIENTS: number = 1000;
}
