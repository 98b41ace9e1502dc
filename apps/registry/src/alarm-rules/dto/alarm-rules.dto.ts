import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CLOCK_TIME_PATTERN,
  MAX_DOOR_OPEN_LIMIT_MINUTES,
  MAX_POLYGON_POINTS,
  MAX_SAFE_ZONES,
} from '@welfare/contracts';

const clockTime = new RegExp(CLOCK_TIME_PATTERN);

export class NightWindowDto {
  @ApiProperty({ example: '23:00', description: 'Local time (Europe/Oslo), HH:MM' })
  @Matches(clockTime, { message: 'start must be a time HH:MM' })
  start: string;

  @ApiProperty({
    example: '06:00',
    description: 'Local time; earlier than start means the window runs across midnight',
  })
  @Matches(clockTime, { message: 'end must be a time HH:MM' })
  end: string;
}

export class GeoPointDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 59.7439 })
  @IsNumber()
  @Min(-90)
  @Max(90)
  lat: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 10.2045 })
  @IsNumber()
  @Min(-180)
  @Max(180)
  lon: number;
}

/** A circle (center and radius) or a polygon (at least three corners, in order). */
export class SafeZoneDto {
  @ApiProperty({ enum: ['circle', 'polygon'] })
  @IsIn(['circle', 'polygon'])
  kind: 'circle' | 'polygon';

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'home and garden' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ type: GeoPointDto, description: 'circle only' })
  @ValidateIf((zone: SafeZoneDto) => zone.kind === 'circle')
  @ValidateNested()
  @Type(() => GeoPointDto)
  center?: GeoPointDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'circle only, metres' })
  @ValidateIf((zone: SafeZoneDto) => zone.kind === 'circle')
  @IsNumber()
  @Min(1)
  @Max(100000)
  radiusMeters?: number;

  @ApiPropertyOptional({ type: [GeoPointDto], description: `polygon only, 3 to ${MAX_POLYGON_POINTS} corners` })
  @ValidateIf((zone: SafeZoneDto) => zone.kind === 'polygon')
  @IsArray()
  @ArrayMinSize(3)
  @ArrayMaxSize(MAX_POLYGON_POINTS)
  @ValidateNested({ each: true })
  @Type(() => GeoPointDto)
  points?: GeoPointDto[];
}

/** The municipality's defaults for its residents; null switches a rule off. */
export class AlarmRuleDefaultsDto {
  @ApiPropertyOptional({
    type: NightWindowDto,
    nullable: true,
    description: 'door.opened inside it opens a priority-2 alarm; null or left out: no night window',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => NightWindowDto)
  doorNightWindow?: NightWindowDto | null;

  @ApiPropertyOptional({
    nullable: true,
    minimum: 1,
    maximum: MAX_DOOR_OPEN_LIMIT_MINUTES,
    description: 'A door open longer than this opens a priority-2 alarm',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DOOR_OPEN_LIMIT_MINUTES)
  doorOpenLimitMinutes?: number | null;
}

/** A resident's own rules. A field left out takes the municipality's default; null switches it off for this resident. */
export class ResidentAlarmRulesDto extends AlarmRuleDefaultsDto {
  @ApiPropertyOptional({
    type: [SafeZoneDto],
    maxItems: MAX_SAFE_ZONES,
    description: 'Leaving every zone opens a priority-2 alarm; none: no GPS alarms',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SAFE_ZONES)
  @ValidateNested({ each: true })
  @Type(() => SafeZoneDto)
  safeZones?: SafeZoneDto[];
}

export class EffectiveAlarmRulesDto {
  @ApiProperty({ type: NightWindowDto, nullable: true }) doorNightWindow: NightWindowDto | null;
  @ApiProperty({ nullable: true }) doorOpenLimitMinutes: number | null;
  @ApiProperty({ type: [SafeZoneDto] }) safeZones: SafeZoneDto[];
}

export class ResidentAlarmRulesViewDto {
  @ApiProperty({ type: ResidentAlarmRulesDto, description: "The resident's own rules" }) own: ResidentAlarmRulesDto;
  @ApiProperty({ type: AlarmRuleDefaultsDto, description: "The municipality's defaults" })
  municipalityDefaults: AlarmRuleDefaultsDto;
  @ApiProperty({ type: EffectiveAlarmRulesDto, description: 'What the response centre applies' })
  effective: EffectiveAlarmRulesDto;
}
