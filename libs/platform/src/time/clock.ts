/**
 * The time source of the domain. Injected instead of calling `new Date()` so rules that
 * depend on the clock (escalation, night windows, silence) can be driven by tests.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
