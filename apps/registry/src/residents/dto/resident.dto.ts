import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { TimestampsDto } from '../../common/timestamps.dto';

export const MAX_CONTACTS = 5;

export class ContactDto {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ example: '+47 912 34 567', description: 'Digits, spaces, +, - and parentheses' })
  @Matches(/^\+?[0-9][0-9 ()-]{2,30}$/, { message: 'phone must be a phone number' })
  phone: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'daughter' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  relation?: string;
}

export class CreateResidentDto {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ minLength: 1, maxLength: 300, example: 'Storgata 1, 3015 Drammen' })
  @IsString()
  @Length(1, 300)
  address: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  municipalityId: string;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: 'Must be a team of the same municipality' })
  @IsOptional()
  @IsUUID()
  homeCareTeamId?: string | null;

  @ApiPropertyOptional({ maxLength: 500, description: 'Where the key box is' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  keyBox?: string | null;

  @ApiPropertyOptional({ maxLength: 200, description: 'A hint to the door code, never the code' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  doorCodeHint?: string | null;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Other access notes (dog, stairs, side door)' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  accessNote?: string | null;

  @ApiPropertyOptional({
    type: [ContactDto],
    maxItems: MAX_CONTACTS,
    description: 'Contacts and next of kin, in call order',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CONTACTS)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts?: ContactDto[];

  @ApiPropertyOptional({ maxLength: 1000, description: 'A short care note for the operator' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  careNote?: string | null;
}

export class UpdateResidentDto extends PartialType(CreateResidentDto) {}

export class ListResidentsQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  municipalityId?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Only residents whose name or address contains this (any case)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  search?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 500,
    description: 'A page of at most this many; the total is in X-Total-Count',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Residents skipped before the page (by name)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class ResidentDto extends TimestampsDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() address: string;
  @ApiProperty({ format: 'uuid' }) municipalityId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) homeCareTeamId: string | null;
  @ApiProperty({ nullable: true, type: String }) keyBox: string | null;
  @ApiProperty({ nullable: true, type: String }) doorCodeHint: string | null;
  @ApiProperty({ nullable: true, type: String }) accessNote: string | null;
  @ApiProperty({ type: [ContactDto] }) contacts: ContactDto[];
  @ApiProperty({ nullable: true, type: String }) careNote: string | null;
}

export class AccessLogEntryDto {
  @ApiProperty({ format: 'date-time' }) at: Date;
  @ApiProperty({ description: "The reader's subject at the identity provider" }) actorSubject: string;
  @ApiProperty() actorName: string;
  @ApiProperty() actorRoles: string;
  @ApiProperty({ nullable: true, type: String }) actorTenant: string | null;
  @ApiProperty({ example: 'resident.read' }) action: string;
}
