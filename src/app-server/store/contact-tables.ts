/**
 * Where a person wants alerts e-mailed (issue 5 item 4), set by that person
 * (PUT /app/me/contact). An address is personal data, not health data: it
 * says nothing about any patient, so it is kept in clear.
 */
export interface ContactTables {
  contacts: {
    user_id: string;
    email: string;
    updated_at: number;
  };
}
