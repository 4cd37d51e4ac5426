/** The one source of "now". Everything else receives a {@link Clock} from the composition root. */
export type Clock = () => Date

/** The wall clock. This file is the only place in `src/` allowed to call `new Date()` without arguments. */
export const systemClock: Clock = () => new Date()

/** A clock frozen at `at`, for tests and reproducible runs. */
export function fixedClock(at: Date | string): Clock {
  const ms = new Date(at).getTime()
  return () => new Date(ms)
}
