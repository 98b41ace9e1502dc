import { applyDecorators, ArgumentsHost, Catch, Controller, RpcExceptionFilter, UseFilters } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';

/** What a `@KafkaHandler` tells the transport beyond its topic. */
export interface KafkaHandlerExtras {
  /** Consumer group, as a suffix of the service's group ('' is the group itself); handlers of a group share a consumer. */
  group: string;
  /** Take records in chunks (one transaction each) instead of one at a time; the handler gets an array. */
  batch?: boolean;
}

/**
 * `@EventPattern(topic)` for the Kafka consumer transport, with the handler's consumer group and
 * whether it takes batches.
 */
export function KafkaHandler(topic: string, extras: KafkaHandlerExtras): MethodDecorator {
  return EventPattern<string>(topic, extras as unknown as Record<string, unknown>);
}

/**
 * Hands a handler's error to the transport as it was thrown: the managed consumer tells a
 * transient failure (retried) from a poison record (dead-lettered) by the error itself, which
 * Nest's default RPC filter would replace with a generic "Internal server error".
 */
@Catch()
export class KafkaHandlerErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/** A controller of Kafka message handlers (`@KafkaHandler`), whose errors reach the transport intact. */
export function KafkaConsumerController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(new KafkaHandlerErrors()));
}
