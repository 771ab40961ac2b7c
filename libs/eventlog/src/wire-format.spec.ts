import { SingleObjectWireFormat } from './wire-format';
import { describeWireFormatContract } from './wire-format.contract';

// The Confluent adapter runs the same contract against a real schema registry: confluent.wire-format.distributed.spec.ts.
describeWireFormatContract('single-object (no schema registry)', async () => new SingleObjectWireFormat());
