// The resource-server side of the consortium's OAuth2: checks a bearer token issued by the
// dossier (an ES256 JWT signed with a key from its JWKS) and that it carries the route's scope.
// Keys are fetched once and cached; only an unknown key id makes the set be fetched again (at
// most every 30 s). Every refusal is a catalogue error that tells the caller what to do next.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { BancaError, messageOf } from '@banca/core/errors';

export interface OAuthVerifierOptions {
  /** The dossier's key set, e.g. http://127.0.0.1:9000/.well-known/jwks.json */
  jwksUrl: string;
  /** Expected `iss` claim ("banca-dossier"). */
  issuer: string;
  /** Expected `aud` claim ("banca"). */
  audience: string;
}

export interface OAuthPrincipal {
  /** The `sub` claim, or the client id when the token has no subject. */
  subject: string;
  clientId: string;
  scopes: ReadonlySet<string>;
}

export interface OAuthVerifier {
  /** Resolves with the caller, or rejects with UNAUTHENTICATED, TOKEN_EXPIRED, INSUFFICIENT_SCOPE or UNAVAILABLE. */
  verify(authorizationHeader: string | undefined, requiredScope: string): Promise<OAuthPrincipal>;
}

/** The scopes the consortium's services ask for. */
export const OAUTH_SCOPES = ['registry:read', 'registry:write', 'dossier:read', 'banks:read'] as const;
export type OAuthScope = (typeof OAUTH_SCOPES)[number];

/** The team's defaults: the dossier issues, every service is the one audience. */
export const OAUTH_DEFAULTS = {
  issuer: 'banca-dossier',
  audience: 'banca',
  jwksUrl: 'http://127.0.0.1:9000/.well-known/jwks.json',
} as const;

const ALGORITHMS = ['ES256'];
const TOKEN_CHARS_MAX = 8192;
/** Clocks of the dossier and of this service may differ by this much. */
const CLOCK_TOLERANCE_SECONDS = 5;
const JWKS_TIMEOUT_MS = 5000;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;

const HOW_TO = "Get a token from the dossier's POST /oauth/token and send 'Authorization: Bearer <token>'.";

/** Marks a failure to obtain the key set, as opposed to a token the key set refuses. */
class KeySetUnavailable extends Error {}

export function createOAuthVerifier(options: OAuthVerifierOptions): OAuthVerifier {
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: JWKS_TIMEOUT_MS,
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
  });
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySetUnavailable(messageOf(error), { cause: error });
    }
  };

  return {
    async verify(authorizationHeader, requiredScope) {
      const token = bearerToken(authorizationHeader);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          algorithms: ALGORITHMS,
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['exp', 'client_id'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }));
      } catch (error) {
        throw refusal(error, options);
      }
      const principal = principalOf(payload);
      if (!principal.scopes.has(requiredScope)) {
        const granted = [...principal.scopes];
        throw new BancaError(
          'INSUFFICIENT_SCOPE',
          `This route needs the scope '${requiredScope}'; the token carries ${granted.length === 0 ? 'none' : `'${granted.join(' ')}'`}. ` +
            `Ask the dossier's POST /oauth/token for a token with scope '${requiredScope}' (your client must be allowed it).`,
          { details: { requiredScope, grantedScopes: granted } },
        );
      }
      return principal;
    },
  };
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new BancaError('UNAUTHENTICATED', `This route needs an access token. ${HOW_TO}`);
  }
  const match = /^Bearer +([A-Za-z0-9_.~+/=-]+)$/i.exec(header.trim());
  if (!match?.[1] || match[1].length > TOKEN_CHARS_MAX) {
    throw new BancaError('UNAUTHENTICATED', `The Authorization header is not 'Bearer <token>'. ${HOW_TO}`);
  }
  return match[1];
}

function principalOf(payload: JWTPayload): OAuthPrincipal {
  const clientId = payload.client_id;
  if (typeof clientId !== 'string' || clientId === '') {
    throw new BancaError('UNAUTHENTICATED', `The token's client_id claim is not a client id. ${HOW_TO}`);
  }
  const scope = payload.scope ?? '';
  if (typeof scope !== 'string') {
    throw new BancaError('UNAUTHENTICATED', `The token's scope claim is not a space-separated string. ${HOW_TO}`);
  }
  const subject = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : clientId;
  return { subject, clientId, scopes: new Set(scope.split(' ').filter((item) => item !== '')) };
}

/** Turns what jose refused into the catalogue error a caller can act on. */
function refusal(error: unknown, options: OAuthVerifierOptions): BancaError {
  if (error instanceof BancaError) return error;
  if (error instanceof KeySetUnavailable) {
    return new BancaError('UNAVAILABLE', `Cannot read the token signing keys at ${options.jwksUrl} (${error.message}); retry shortly.`, {
      cause: error.cause,
    });
  }
  if (error instanceof errors.JWTExpired) {
    return new BancaError('TOKEN_EXPIRED', `The access token expired. Get a new one from the dossier's POST /oauth/token.`, { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new BancaError('UNAUTHENTICATED', `${claimProblem(error, options)} ${HOW_TO}`, { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new BancaError('UNAUTHENTICATED', `The token is not signed with ES256, the only algorithm accepted. ${HOW_TO}`, { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new BancaError('UNAUTHENTICATED', `The token is signed with a key the dossier does not publish. ${HOW_TO}`, { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new BancaError('UNAUTHENTICATED', `The token's signature does not match the dossier's keys. ${HOW_TO}`, { cause: error });
  }
  return new BancaError('UNAUTHENTICATED', `The token is malformed. ${HOW_TO}`, { cause: error });
}

function claimProblem(error: InstanceType<typeof errors.JWTClaimValidationFailed>, options: OAuthVerifierOptions): string {
  if (error.reason === 'missing') return `The token has no '${error.claim}' claim.`;
  switch (error.claim) {
    case 'iss':
      return `The token was not issued by '${options.issuer}'.`;
    case 'aud':
      return `The token is not meant for audience '${options.audience}'.`;
    case 'nbf':
      return 'The token is not valid yet (nbf is in the future).';
    default:
      return `The token's '${error.claim}' claim is not valid.`;
  }
}
