import { BrowserSignInSettings } from '@welfare/access';
import { Setting } from '@welfare/platform';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';

export const BROKER_ACCESS_MODES = ['mosquitto-dynsec', 'http-hooks', 'none'] as const;
export type BrokerAccessMode = (typeof BROKER_ACCESS_MODES)[number];

/** Every setting of the registry, read from the environment once and validated at start-up. */
export class RegistryConfig extends BrowserSignInSettings {
  override KAFKA_CLIENT_ID: string = 'registry';
  override HTTP_PORT: number = 3002;

  override DATABASE_POOL_SIZE: number = 5;

  @Setting(
    "the map tiles of the administrators' page (safe zones), a `{z}/{x}/{y}` URL template; `none`: no tiles (the page draws zones on a blank grid and takes coordinates typed in, as it does when tiles cannot be reached)",
  )
  @Matches(/^none$|^https?:\/\/[^\s'"]+\{z\}[^\s'"]*$/, {
    message: 'ADMIN_MAP_TILE_URL must be none or an http(s) URL template with {z}, {x} and {y}',
  })
  ADMIN_MAP_TILE_URL: string = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

  @Setting('the attribution shown on the map, as the tile provider requires')
  @IsString()
  ADMIN_MAP_ATTRIBUTION: string = '© OpenStreetMap contributors';

  @Setting('largest CSV body the bulk import takes, in bytes (10,000 rows fit in about 3 MB)')
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  IMPORT_MAX_BYTES: number = 5 * 1024 * 1024;

  @Setting(
    "how the MQTT broker learns which devices may sign in: `mosquitto-dynsec` (the registry keeps Mosquitto's dynamic-security plugin current over `BROKER_ADMIN_*`), `http-hooks` (the broker asks `POST /api/broker/authenticate` and `/authorize`: EMQX, the embedded aedes), or `none` (only for a production broker wired to the registry another way; logged loudly at start); see [Devices at the broker](#devices-at-the-broker)",
  )
  @IsIn(BROKER_ACCESS_MODES, { message: `BROKER_ACCESS must be one of ${BROKER_ACCESS_MODES.join(', ')}` })
  BROKER_ACCESS: BrokerAccessMode;

  @Setting('the broker the registry manages', { requiredWhen: 'with `BROKER_ACCESS=mosquitto-dynsec`' })
  @ValidateIf((config: RegistryConfig) => config.BROKER_ACCESS === 'mosquitto-dynsec')
  @Matches(/^(mqtts?|wss?):\/\/.+/, {
    message:
      'BROKER_ADMIN_URL must be an mqtt://, mqtts://, ws:// or wss:// URL (needed with BROKER_ACCESS=mosquitto-dynsec)',
  })
  BROKER_ADMIN_URL?: string;

  @Setting('a broker account whose role may use `$CONTROL/dynamic-security/#` and nothing else', {
    requiredWhen: 'with `BROKER_ACCESS=mosquitto-dynsec`',
  })
  @ValidateIf((config: RegistryConfig) => config.BROKER_ACCESS === 'mosquitto-dynsec')
  @IsString({ message: 'BROKER_ADMIN_USERNAME is needed with BROKER_ACCESS=mosquitto-dynsec' })
  BROKER_ADMIN_USERNAME?: string;

  @Setting('the password of that account', { requiredWhen: 'with `BROKER_ACCESS=mosquitto-dynsec`' })
  @ValidateIf((config: RegistryConfig) => config.BROKER_ACCESS === 'mosquitto-dynsec')
  @IsString({ message: 'BROKER_ADMIN_PASSWORD is needed with BROKER_ACCESS=mosquitto-dynsec' })
  BROKER_ADMIN_PASSWORD?: string;

  @Setting(
    'onboarding, rotation and retirement wait this long for the broker to confirm, then answer 503 and change nothing',
  )
  @IsInt()
  @Min(500)
  @Max(60_000)
  BROKER_CONFIRM_TIMEOUT_MS: number = 5000;

  @Setting(
    'how often broker accounts of devices that are not active are removed (also at start and on every broker reconnect)',
  )
  @IsInt()
  @Min(10_000)
  @Max(24 * 3600 * 1000)
  BROKER_RECONCILE_INTERVAL_MS: number = 10 * 60 * 1000;

  @Setting(
    "prefix of each device's broker role (`mosquitto-dynsec`); the reconciliation only touches clients with such a role, so registries of several environments (or test runs) can share one broker",
  )
  @Matches(/^[A-Za-z0-9:._-]{1,100}$/, {
    message: 'BROKER_DEVICE_ROLE_PREFIX must be 1-100 characters of A-Z a-z 0-9 : . _ -',
  })
  BROKER_DEVICE_ROLE_PREFIX: string = 'device:';

  @Setting('the shared secret the broker sends in `x-broker-secret` to the hooks', {
    requiredWhen: 'with `BROKER_ACCESS=http-hooks`',
  })
  @ValidateIf((config: RegistryConfig) => config.BROKER_ACCESS === 'http-hooks')
  @IsString()
  @MinLength(16, {
    message: 'BROKER_HOOK_SECRET must be at least 16 characters (needed with BROKER_ACCESS=http-hooks)',
  })
  BROKER_HOOK_SECRET?: string;

  @Setting(
    "the SIP digest realm of SCAIP units; the registry keeps each unit's HA1 for it (change it and every unit's secret must be rotated). Same value as the SCAIP gateway's",
  )
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  SCAIP_DIGEST_REALM: string = 'scaip';

  @Setting(
    "the shared secret the SCAIP gateway sends in `x-gateway-secret` to fetch units' digest HA1 (`/api/scaip/digest-credentials`); unset: that endpoint is off",
  )
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'SCAIP_GATEWAY_SECRET must be at least 16 characters' })
  SCAIP_GATEWAY_SECRET?: string;
}
