/**
 * The care episodes of the application server (episodes/): who takes part
 * in which patient's care, with which role and authorization level, since
 * when and until when. No health data: ids, roles, levels, epochs, times.
 */
export interface EpisodeTables {
  /** One open episode per patient (closed_at null); closed ones stay for the record. */
  episodes: {
    id: string;
    pt: string;
    opened_at: number;
    closed_at: number | null;
  };
  /**
   * One row per participation: a person invited again after removal gets a
   * new row. Current participants have `left_at` null (at most one per
   * person and episode).
   */
  participants: {
    id: string;
    episode: string;
    user_id: string;
    role: string;
    /** Authorization level in this episode (U…V); null: no clinical version (admin, dpo). */
    al: string | null;
    /** 1: may read data sealed before joining (epochs below joined_epoch); 0: not. */
    history: number;
    joined_at: number;
    /** The patient's data-key epoch current when they joined: keys from it on are theirs. */
    joined_epoch: number;
    invited_by: string;
    left_at: number | null;
    removed_by: string | null;
  };
  /**
   * A removal whose revocation steps (subscriptions, ACPs, channel, epoch)
   * have not all been done: written in the transaction that ends the
   * participation, marked done at the end, retried at the next start.
   */
  revocations: {
    id: string;
    pt: string;
    participant: string;
    user_id: string;
    created_at: number;
    attempts: number;
    last_error: string | null;
    done_at: number | null;
  };
}
