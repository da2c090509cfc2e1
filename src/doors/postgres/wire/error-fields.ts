/** ErrorResponse / NoticeResponse fields by code letter (`C` SQLSTATE, `M` message, `P` position…), read with the masker's parser. */
import { parseNoticeFields } from '../mask/wire.js';

export function parseErrorFields(body: Buffer): Map<string, string> {
  return new Map(parseNoticeFields(body));
}
