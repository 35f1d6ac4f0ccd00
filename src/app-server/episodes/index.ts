export {
  CareEpisodes,
  type CareEpisodesOptions,
  type EpisodeView,
  type Invitation,
} from './episodes.js';
export { EpisodeStore, type Participant } from './store.js';
export { PatientLocks } from './lock.js';
export { allowedLevels, historyByDefault } from './defaults.js';
