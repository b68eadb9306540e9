// The business server's log-in and sign-up limits from its config, per customer e-mail and per
// client address; they are counted at the bank's data server by shared-login-limiter.ts. The
// in-memory LoginLimiter of @banca/server-kit (the dossier's) is re-exported for its unit test.
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
