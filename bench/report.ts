/**
 * `npm run bench:report`: rewrites the generated regions of docs/benchmarks.md (and the
 * fleet plots) from the committed results alone, without measuring anything.
 */
import { writeFleetDocs } from './fleet/docs.js';
import { writeFleetRedisDocs } from './fleet-redis/report.js';
import { writeProcessesDocs } from './loopback/processes-docs.js';
import { writeOverheadDocs } from './overhead/docs.js';

writeOverheadDocs();
writeFleetDocs();
writeFleetRedisDocs();
writeProcessesDocs();
console.log('wrote the generated regions of docs/benchmarks.md and docs/img/fleet-*.svg');
