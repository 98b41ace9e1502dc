import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { LogLevel } from '../config/common-settings';
import { METRICS_REGISTRY, MetricsController, registryProvider } from '../metrics/metrics';

export interface ObservabilityOptions {
  service: string;
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
}

/** JSON logs (pino) with the service name on every line, and Prometheus metrics at /metrics. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.logLevel,
            base: { service: options.service },
            transport:
              options.logFormat === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            // Probes and scrapes every few seconds would drown the lines that matter.
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
          },
        }),
      ],
      controllers: [MetricsController],
      providers: [registryProvider(options.service)],
      exports: [LoggerModule, METRICS_REGISTRY],
    };
  }
}
