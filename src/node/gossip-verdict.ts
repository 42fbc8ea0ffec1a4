import { TopicValidatorResult } from '@libp2p/interface';
import type { Verdict } from '../consensus/engine.js';

/**
 * The one place where engine verdicts become gossipsub verdicts: accepted messages are forwarded, ignored
 * ones are dropped without blame, rejected ones are dropped and cost the relaying peer score.
 */
export function toTopicValidatorResult(verdict: Verdict): TopicValidatorResult {
  switch (verdict) {
    case 'accept':
      return TopicValidatorResult.Accept;
    case 'ignore':
      return TopicValidatorResult.Ignore;
    case 'reject':
      return TopicValidatorResult.Reject;
  }
}
