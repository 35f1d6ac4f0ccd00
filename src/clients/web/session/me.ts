import type { Confidentiality } from '../../../protocol/levels.js';

/** GET /app/me (CONTRACTS.md): who I am and, per patient, my role and AL in that episode. */
export interface MePatient {
  pt: string;
  /** My role and AL in this patient's episode (absent before the episodes API: then the user's). */
  role?: string;
  al?: Confidentiality | null;
  /** The version (alert) container at my AL; null when my AL in this episode is none (admin, dpo). */
  versions: string | null;
  alerts: string | null;
  /** Present when I read this patient through an emergency grant (break the glass), until when. */
  emergency?: { grant: string; until: number };
}

export interface Me {
  id: string;
  role: string;
  al: Confidentiality | null;
  ae: string;
  patients: MePatient[];
}
