import { Setting } from '@welfare/platform';
import { DatabaseServiceSettings } from '@welfare/persistence';
import { IsInt, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';

const URL_RULES = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

/**
 * Settings of a service whose HTTP API people call (response centre, registry, home care): who issues
 * the tokens it trusts. In production the organisation's OIDC provider (Keycloak, HelseID);
 * on one machine the dev issuer that `npm start` runs.
 */
export class PeopleApiSettings extends DatabaseServiceSettings {
  @Setting(
    "the OpenID provider whose tokens are trusted: a token's `iss` must equal this (`npm start`: its embedded provider)",
  )
  @IsUrl(URL_RULES, { message: 'AUTH_ISSUER must be the issuer URL, e.g. https://idp.example.no/realms/welfare' })
  AUTH_ISSUER: string;

  @Setting('the audience a token must name: its `aud` must contain this')
  @IsString()
  @MinLength(1)
  AUTH_AUDIENCE: string = 'welfare-alarm-backbone';

  @Setting('where the issuer publishes its signing keys (fetched on first use, again when a new key id appears)')
  @IsUrl(URL_RULES, {
    message:
      "AUTH_JWKS_URL must be the issuer's JWKS URL, e.g. https://idp.example.no/realms/welfare/protocol/openid-connect/certs",
  })
  AUTH_JWKS_URL: string;

  @Setting("seconds of clock difference tolerated on a token's `exp`, `nbf` and `iat`")
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_CLOCK_TOLERANCE_SECONDS: number = 30;
}
