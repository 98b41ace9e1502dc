import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

/**
 * Registers @nestjs/config with an already validated, typed settings object (see loadConfig),
 * and provides that object under its class for injection: services depend on
 * `IngestorConfig`, never on process.env.
 */
@Module({})
export class TypedConfigModule {
  static forRoot<T extends object>(type: new () => T, config: T): DynamicModule {
    return {
      module: TypedConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ ...config })] })],
      providers: [{ provide: type, useValue: config }],
      exports: [type],
    };
  }
}
