/** Per-patient clinical settings set by clinicians (issue 5 item 1): stored sealed, checked by policy. */
export { PatientSettings, type PatientSettingsOptions } from './settings.js';
export { SettingsStore, type SettingsStoreOptions, type StoredSettings } from './store.js';
export { SettingsBody, checkedSettings, type SettingsInput } from './schema.js';
