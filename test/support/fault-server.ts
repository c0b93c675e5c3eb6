// The fault server lives in src/testing/ so the CLI's demo can run it from dist/.
export {
  type Fault,
  type FaultServer,
  type FileFault,
  filler,
  type RecordedRequest,
  refusedUrl,
  type Script,
  startFaultServer,
} from '../../src/testing/fault-server.js';
