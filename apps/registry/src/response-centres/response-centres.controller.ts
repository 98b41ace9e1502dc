import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
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
import { CreateResponseCentreDto, ResponseCentreDto, UpdateResponseCentreDto } from './dto/response-centre.dto';
import { ResponseCentresService } from './response-centres.service';

const uuid = new ParseUUIDPipe();

/** System administrators keep the centres; operators and supervisors see their own. */
@ApiTags('response centres')
@ApiBearerAuth()
@Controller('api/response-centres')
export class ResponseCentresController {
  constructor(private readonly centres: ResponseCentresService) {}

  @Get()
  @Roles('system-admin', 'operator', 'supervisor')
  @ApiOkResponse({ type: [ResponseCentreDto] })
  list(@CurrentActor() actor: Actor): Promise<ResponseCentreDto[]> {
    return this.centres.list(tenancyOf(actor));
  }

  @Get(':id')
  @Roles('system-admin', 'operator', 'supervisor')
  @ApiOkResponse({ type: ResponseCentreDto })
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ResponseCentreDto> {
    return this.centres.get(tenancyOf(actor), id);
  }

  @Post()
  @Roles('system-admin')
  @ApiCreatedResponse({ type: ResponseCentreDto })
  @ApiConflictResponse({ description: 'A centre with this name exists' })
  create(@Body() body: CreateResponseCentreDto): Promise<ResponseCentreDto> {
    return this.centres.create(body);
  }

  @Patch(':id')
  @Roles('system-admin')
  @ApiOkResponse({ type: ResponseCentreDto })
  @ApiNotFoundResponse()
  update(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() body: UpdateResponseCentreDto,
  ): Promise<ResponseCentreDto> {
    return this.centres.update(tenancyOf(actor), id, body);
  }

  @Delete(':id')
  @Roles('system-admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'It still serves a municipality' })
  remove(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<void> {
    return this.centres.remove(tenancyOf(actor), id);
  }
}
