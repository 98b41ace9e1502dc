import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsNotEmptyObject,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class PushKeysDto {
  @ApiProperty({ description: "The browser's P-256 public key (base64url, 65 bytes uncompressed)" })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{86,88}$/, { message: 'keys.p256dh must be a base64url P-256 public key' })
  p256dh: string;

  @ApiProperty({ description: "The browser's authentication secret (base64url, 16 bytes)" })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{22,24}$/, { message: 'keys.auth must be a base64url 16-byte secret' })
  auth: string;
}

/** What PushSubscription.toJSON() gives in the browser (expirationTime ignored). */
export class PushSubscriptionDto {
  @ApiProperty({ description: "The push service's URL for this phone" })
  @IsUrl({ require_tld: false, protocols: ['https'], require_protocol: true })
  @MaxLength(2000)
  endpoint: string;

  @ApiProperty({ type: PushKeysDto })
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => PushKeysDto)
  keys: PushKeysDto;

  @ApiPropertyOptional({ description: 'When the browser will drop the subscription (ignored: a 410 says so)' })
  @IsOptional()
  @IsNumber()
  expirationTime?: number | null;
}

export class PushUnsubscribeDto {
  @ApiProperty()
  @IsString()
  @MaxLength(2000)
  endpoint: string;
}

export class PushConfigDto {
  @ApiProperty({ description: "The service's VAPID public key (base64url): the browser's applicationServerKey" })
  publicKey: string;
}
