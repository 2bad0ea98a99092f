/** Re-export of the prepared-script type, so recipe types do not pull in the scanner. */
export type { PreparedScript } from './script.js';
