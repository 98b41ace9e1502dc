import { Setting } from '@welfare/platform';
import { IsOptional, IsString, IsUrl, Matches, MinLength, ValidateIf } from 'class-validator';
import { PeopleApiSettings } from '../access-settings';

const WITH_CLIENT = 'with `AUTH_CLIENT_ID`';
const signInConfigured = (settings: BrowserSignInSettings) => settings.AUTH_CLIENT_ID !== undefined;

/**
 * Settings of a service that also serves a page people sign in to (the console, the phone page):
 * its backend is the page's OpenID client (backend-for-frontend), so tokens stay on the server.
 */
export class BrowserSignInSettings extends PeopleApiSettings {
  @Setting(
    "the page's client at the OpenID provider (confidential; Authorization Code with PKCE); unset: the page cannot sign in and the API takes bearer tokens only",
  )
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'AUTH_CLIENT_ID must be 1-200 printable characters' })
  AUTH_CLIENT_ID?: string;

  @Setting("the client's secret at the provider (also keys the short-lived sign-in cookie)", {
    requiredWhen: WITH_CLIENT,
  })
  @ValidateIf(signInConfigured)
  @IsString()
  @MinLength(16, { message: 'AUTH_CLIENT_SECRET must be at least 16 characters (needed with AUTH_CLIENT_ID)' })
  AUTH_CLIENT_SECRET?: string;

  @Setting(
    'the origin browsers reach the page at, e.g. `https://konsoll.example.no`: the sign-in callback is `PUBLIC_URL/auth/callback`, cookie requests from any other origin are refused, and the cookie is `Secure` when this is https',
    { requiredWhen: WITH_CLIENT },
  )
  @ValidateIf(signInConfigured)
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'PUBLIC_URL must be the http(s) origin of the page (needed with AUTH_CLIENT_ID)' },
  )
  PUBLIC_URL?: string;

  @Setting(
    'scopes asked for at sign-in (space-separated); add `offline_access` where the provider gives refresh tokens only for it, and its API scope (HelseID)',
  )
  @Matches(/^openid( [\x21-\x7e]+)*$/, { message: 'AUTH_SCOPE must start with openid and be space-separated scopes' })
  AUTH_SCOPE: string = 'openid profile';
}

/** Sign-in is configured: the settings the sign-in module relies on are present. */
export type ConfiguredSignIn = BrowserSignInSettings & {
  AUTH_CLIENT_ID: string;
  AUTH_CLIENT_SECRET: string;
  PUBLIC_URL: string;
};

export function isSignInConfigured(settings: PeopleApiSettings): settings is ConfiguredSignIn {
  return settings instanceof BrowserSignInSettings && settings.AUTH_CLIENT_ID !== undefined;
}
