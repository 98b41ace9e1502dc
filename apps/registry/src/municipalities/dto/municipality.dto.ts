import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { TimestampsDto } from '../../common/timestamps.dto';

export class CreateMunicipalityDto {
  @ApiProperty({
    pattern: '^[0-9]{4}$',
    example: '3301',
    description: 'The official municipality number (kommunenummer)',
  })
  @Matches(/^[0-9]{4}$/, { message: 'number must be the four-digit municipality number' })
  number: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Drammen' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ format: 'uuid', description: 'The response centre that serves it' })
  @IsUUID()
  responseCentreId: string;
}

/** The number identifies the municipality and does not change; name and centre may. */
export class UpdateMunicipalityDto extends PartialType(
  PickType(CreateMunicipalityDto, ['name', 'responseCentreId'] as const),
) {}

export class ListMunicipalitiesQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  responseCentreId?: string;
}

export class MunicipalityDto extends TimestampsDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() number: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid' }) responseCentreId: string;
}
