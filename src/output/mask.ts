/**
 * Masks a secret or API key for display: the known prefix and the last 4 characters stay,
 * so two secrets can be told apart without revealing either. Short values are fully hidden.
 */
export function maskSecret(secret: string): string {
  const prefix = /^(whsec_|7loc_sc_)/.exec(secret)?.[1] ?? '';
  const rest = secret.slice(prefix.length);
  if (rest.length <= 8) return `${prefix}${'*'.repeat(Math.max(rest.length, 4))}`;
  return `${prefix}****${rest.slice(-4)}`;
}
