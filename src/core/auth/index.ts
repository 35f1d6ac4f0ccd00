export {
  AccessTokenError,
  createAccessTokenVerifier,
  passedSecondFactor,
  type AccessTokenVerifier,
  type Caller,
  type TokenError,
  type VerifierOptions,
} from './verifier.js';
export { bearerFrom } from './bearer.js';
