export {
  CareEpisodes,
  type CareEpisodesOptions,
  type EpisodeView,
  type Invitation,
} from './episodes.js';
export { EpisodeStore, type Participant } from './store.js';
export * as decide from './decide.js';
