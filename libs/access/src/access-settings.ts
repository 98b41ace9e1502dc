import { DatabaseServiceSettings } from '@welfare/persistence';
import { IsInt, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';

const URL_RULES = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

/**
 * Settings of a service whose HTTP API people call (response centre, registry): who issues
 * the tokens it trusts. In production the organisation's OIDC provider (Keycloak, HelseID);
 * on one machine the dev issuer that `npm start` runs.
 */
export class PeopleApiSettings extends DatabaseServiceSettings {
  /** The token's `iss` must equal this. */
  @IsUrl(URL_RULES, { message: 'AUTH_ISSUER must be the issuer URL, e.g. https://idp.example.no/realms/welfare' })
  AUTH_ISSUER: string;

  /** The token's `aud` must contain this. */
  @IsString()
  @MinLength(1)
  AUTH_AUDIENCE: string = 'welfare-alarm-backbone';

  /** Where the issuer publishes its signing keys (fetched on first use, again when a new key id appears). */
  @IsUrl(URL_RULES, {
    message:
      "AUTH_JWKS_URL must be the issuer's JWKS URL, e.g. https://idp.example.no/realms/welfare/protocol/openid-connect/certs",
  })
  AUTH_JWKS_URL: string;

  /** Seconds of clock difference tolerated on exp/nbf/iat. */
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_CLOCK_TOLERANCE_SECONDS: number = 30;
}
