import { BrowserSignInSettings } from '@welfare/access';
import { Setting, splitList } from '@welfare/platform';
import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

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

  @Setting(
    'the VAPID public key (base64url, uncompressed P-256) phones subscribe to Web Push with; unset turns push off (`npm start` generates a pair: `npx web-push generate-vapid-keys`)',
  )
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{87}$/, {
    message: 'PUSH_VAPID_PUBLIC_KEY must be a base64url P-256 public key (87 characters)',
  })
  PUSH_VAPID_PUBLIC_KEY?: string;

  @Setting('the VAPID private key (base64url) that signs every push request', {
    requiredWhen: 'with PUSH_VAPID_PUBLIC_KEY',
  })
  @ValidateIf((config: HomeCareConfig) => Boolean(config.PUSH_VAPID_PUBLIC_KEY))
  @Matches(/^[A-Za-z0-9_-]{43}$/, {
    message: 'PUSH_VAPID_PRIVATE_KEY must be a base64url P-256 private key (43 characters)',
  })
  PUSH_VAPID_PRIVATE_KEY?: string;

  @Setting('how push services can reach whoever runs this service (`mailto:` or `https:`), sent in every VAPID token')
  @Matches(/^(mailto:|https:\/\/)\S+$/, { message: 'PUSH_VAPID_SUBJECT must be a mailto: or https: URL' })
  PUSH_VAPID_SUBJECT: string = 'mailto:drift@example.org';

  @Setting(
    'comma-separated host names of the push services phones may subscribe at (each also covers its subdomains); a subscription elsewhere is refused, or the service would send requests wherever a client says',
  )
  @Transform(splitList)
  @ArrayNotEmpty()
  @Matches(/^[a-z0-9.-]+$/, { each: true, message: 'PUSH_SERVICE_HOSTS must be a comma-separated list of host names' })
  PUSH_SERVICE_HOSTS: string[] = [
    'fcm.googleapis.com',
    'push.services.mozilla.com',
    'push.apple.com',
    'notify.windows.com',
  ];

  @Setting(
    'a PEM file of certificate authorities to trust for push services besides the system ones (a private push relay, a TLS-inspecting proxy, the tests)',
  )
  @IsOptional()
  @IsString()
  PUSH_SERVICE_CA_FILE?: string;

  @Setting('how long a push service keeps a new-dispatch notification for a phone that is off or out of reach')
  @IsInt()
  @Min(0)
  @Max(86_400)
  PUSH_TTL_SECONDS: number = 900;
}
