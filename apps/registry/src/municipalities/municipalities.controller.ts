import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { tenancyOf } from '../access/tenancy';
import {
  CreateMunicipalityDto,
  ListMunicipalitiesQueryDto,
  MunicipalityDto,
  UpdateMunicipalityDto,
} from './dto/municipality.dto';
import { MunicipalitiesService } from './municipalities.service';

const uuid = new ParseUUIDPipe();

/** System administrators keep municipalities; a municipality's administrators and its centre's staff see it. */
@ApiTags('municipalities')
@ApiBearerAuth()
@Controller('api/municipalities')
export class MunicipalitiesController {
  constructor(private readonly municipalities: MunicipalitiesService) {}

  @Get()
  @Roles('system-admin', 'municipality-admin', 'operator', 'supervisor')
  @ApiOkResponse({ type: [MunicipalityDto] })
  list(@CurrentActor() actor: Actor, @Query() query: ListMunicipalitiesQueryDto): Promise<MunicipalityDto[]> {
    return this.municipalities.list(tenancyOf(actor), query.responseCentreId);
  }

  @Get(':id')
  @Roles('system-admin', 'municipality-admin', 'operator', 'supervisor')
  @ApiOkResponse({ type: MunicipalityDto })
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<MunicipalityDto> {
    return this.municipalities.get(tenancyOf(actor), id);
  }

  @Post()
  @Roles('system-admin')
  @ApiCreatedResponse({ type: MunicipalityDto })
  @ApiNotFoundResponse({ description: 'No such response centre' })
  @ApiConflictResponse({ description: 'A municipality with this number exists' })
  create(@Body() body: CreateMunicipalityDto): Promise<MunicipalityDto> {
    return this.municipalities.create(body);
  }

  @Patch(':id')
  @Roles('system-admin')
  @ApiOkResponse({
    type: MunicipalityDto,
    description: 'A new centre is published in the record of every device in the municipality',
  })
  @ApiNotFoundResponse()
  update(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() body: UpdateMunicipalityDto,
  ): Promise<MunicipalityDto> {
    return this.municipalities.update(tenancyOf(actor), id, body);
  }

  @Delete(':id')
  @Roles('system-admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'Teams or residents still belong to it' })
  remove(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<void> {
    return this.municipalities.remove(tenancyOf(actor), id);
  }
}
