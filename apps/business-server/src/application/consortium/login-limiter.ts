// Failed log-ins and sign-ups are bounded by the limiter in @banca/server-kit (shared with the
// dossier's administrator log-in); this module keeps the business server's side: its limits come
// from its config, per customer e-mail and per client address.
import type { LoginLimits } from '@banca/server-kit/login-limiter';

export { LOGIN_LIMIT_DEFAULTS, LoginLimiter, parseTrustedProxies, type LoginAttempt, type LoginLimits } from '@banca/server-kit/login-limiter';

/** The limits from a business server's config. */
export function loginLimitsOf(config: {
  loginAttemptsMax: number; loginAttemptsPerIpMax: number; loginWindowMs: number; signUpsPerIpMax: number; loginTrustedProxies: readonly string[];
}): LoginLimits {
  return {
    attemptsMax: config.loginAttemptsMax, attemptsPerIpMax: config.loginAttemptsPerIpMax, windowMs: config.loginWindowMs,
    signUpsPerIpMax: config.signUpsPerIpMax, trustedProxies: config.loginTrustedProxies,
  };
}
