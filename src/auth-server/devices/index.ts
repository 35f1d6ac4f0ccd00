export { ensureDeviceCa, type DeviceCa } from './device-ca.js';
export {
  ClaimCodes,
  CLAIM_CODE_ALPHABET,
  CLAIM_CODE_LENGTH,
  CLAIM_CODE_TTL_MS,
  MAX_FAILED_TRIES,
  generateClaimCode,
  normalizeClaimCode,
  type ClaimCode,
} from './claim-codes.js';
export {
  DeviceOnboarding,
  MINTED_DEVICE_ID,
  type ClaimRequest,
  type ClaimResult,
  type DeviceOnboardingOptions,
  type Enrolment,
} from './onboarding.js';
export { DeviceRegistry, type DeviceView } from './registry.js';
export type { PresentedCertificate } from './presented.js';
export { RateLimiter } from './rate-limit.js';
export { deviceRoutes, type AuthorizeDevices, type DeviceRoutesOptions } from './routes.js';
