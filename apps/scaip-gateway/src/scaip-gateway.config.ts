import { CommonSettings, Setting } from '@welfare/platform';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';

/** Every setting of the SCAIP gateway, read from the environment once and validated at start-up. */
export class ScaipGatewayConfig extends CommonSettings {
  override KAFKA_CLIENT_ID: string = 'scaip-gateway';
  override HTTP_PORT: number = 3004;

  @Setting('address SIP listens on (UDP, TCP and TLS)')
  @IsString()
  SIP_HOST: string = '0.0.0.0';

  @Setting('port of SIP over UDP and over TCP, where SCAIP units send their MESSAGEs')
  @IsInt()
  @Min(1)
  @Max(65_535)
  SIP_PORT: number = 5060;

  @Setting('port of SIP over TLS (production); TLS is off unless set, with `SIP_TLS_CERT_FILE` and `SIP_TLS_KEY_FILE`')
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65_535)
  SIP_TLS_PORT?: number;

  @Setting('PEM certificate (chain) the gateway shows units over TLS', { requiredWhen: 'with SIP_TLS_PORT' })
  @ValidateIf((config: ScaipGatewayConfig) => config.SIP_TLS_PORT !== undefined)
  @IsString()
  SIP_TLS_CERT_FILE?: string;

  @Setting('PEM private key of `SIP_TLS_CERT_FILE`', { requiredWhen: 'with SIP_TLS_PORT' })
  @ValidateIf((config: ScaipGatewayConfig) => config.SIP_TLS_PORT !== undefined)
  @IsString()
  SIP_TLS_KEY_FILE?: string;

  @Setting('largest SCAIP body taken, in bytes; a larger one gets `snu` 1 (too long) and is dead-lettered')
  @IsInt()
  @Min(256)
  @Max(65_536)
  SCAIP_MAX_BODY_BYTES: number = 4096;

  @Setting(
    'seconds within which a message with the same `ref` and content is a resend (same event id, no second alarm); later it is a new event (units reuse their few `ref`s)',
  )
  @IsInt()
  @Min(10)
  @Max(86_400)
  SCAIP_RESEND_WINDOW_SECONDS: number = 600;

  @Setting(
    'how long a message waits for Kafka before the unit is told to try again (SIP 503, no receipt); the unit resends and the resend is deduplicated',
  )
  @IsInt()
  @Min(100)
  @Max(60_000)
  SCAIP_KAFKA_TIMEOUT_MS: number = 5000;

  @Setting(
    "a message from a controller the gateway's registry view does not know waits this long for the view to catch up before it is refused",
  )
  @IsInt()
  @Min(100)
  @Max(60_000)
  SCAIP_REGISTRY_CATCH_UP_TIMEOUT_MS: number = 3000;

  @Setting('SIP requests one source address may send per minute; more are refused (SIP 503) and counted, not parsed')
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  SIP_FLOOD_REQUESTS_PER_MINUTE: number = 600;

  @Setting(
    '`digest`: units sign every MESSAGE with SIP digest (username = controller id, password = the secret the registry issued); `none` only where a SIP proxy in front authenticates them',
  )
  @IsIn(['digest', 'none'])
  SCAIP_AUTH: 'digest' | 'none' = 'digest';

  @Setting(
    "the number (E.164, or a SIP URI) a unit with voice is told in its receipt to call (`<mre>1</mre><cre>62</cre><tnu>`): the centre's telephony; unset, the receipt says nothing of voice and the unit follows its own set-up",
  )
  @IsOptional()
  @Matches(/^(\+[0-9]{6,15}|sips?:[^\s<>&"']{3,120})$/, {
    message: 'SCAIP_VOICE_CALL_NUMBER must be +digits or a sip: URI',
  })
  SCAIP_VOICE_CALL_NUMBER?: string;

  @Setting("the SIP digest realm; the same value as the registry's `SCAIP_DIGEST_REALM`")
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  SCAIP_DIGEST_REALM: string = 'scaip';

  @Setting("the registry, asked for a unit's digest HA1 (`/api/scaip/digest-credentials`)", {
    requiredWhen: 'with `SCAIP_AUTH=digest`',
  })
  @ValidateIf((config: ScaipGatewayConfig) => config.SCAIP_AUTH === 'digest')
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  REGISTRY_URL?: string;

  @Setting("the shared secret sent to the registry in `x-gateway-secret` (the registry's `SCAIP_GATEWAY_SECRET`)", {
    requiredWhen: 'with `SCAIP_AUTH=digest`',
  })
  @ValidateIf((config: ScaipGatewayConfig) => config.SCAIP_AUTH === 'digest')
  @IsString()
  @MinLength(16)
  SCAIP_GATEWAY_SECRET?: string;
}
