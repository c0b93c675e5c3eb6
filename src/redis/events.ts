/**
 * The `orionclient:fleet` diagnostics channel: a shared store says there when it stops
 * answering (the Coordinators go on alone) and when it answers again (they rejoin).
 */
import { openChannel } from '../retry/diagnostics.js';

/**
 * A message on the `orionclient:fleet` diagnostics channel
 * (`diagnostics_channel.subscribe('orionclient:fleet', (event) => …)`).
 */
export interface FleetEvent {
  /** `'fallback'`: a call failed or was late, the Coordinators decide alone; `'rejoin'`: it answers again. */
  readonly type: 'fallback' | 'rejoin';
  /** The kind of store. */
  readonly store: 'redis';
  /** Why it fell back (`'fallback'` only). */
  readonly error?: unknown;
}

const fleetChannel = openChannel('orionclient:fleet');

/** Publishes `event` when someone listens. */
export function publishFleet(event: FleetEvent): void {
  if (fleetChannel.hasSubscribers) fleetChannel.publish(event);
}
