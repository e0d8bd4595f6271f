// Flag parsing shared by grove-sim's commands: errors name the flag and the rule.
export class UsageError extends Error {
  readonly code = "Usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function intFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`--${flag}: must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return Number(value);
}
