import type { Schema } from 'avsc';
import { AvroCodec } from './avro/avro-codec';
import { IncidentObservation } from './incident-observation';
import { ChangeEventRecord, ChangeEventV1 } from './schemas/change-event.v1';
import { InboundDelivery, InboundDeliveryV1 } from './schemas/inbound-delivery.v1';
import { IncidentObservationV1 } from './schemas/incident-observation.v1';

/** The codecs of the platform's event bodies; older schema versions are listed as they appear. */
export const inboundDeliveryCodec = new AvroCodec<InboundDelivery>(InboundDeliveryV1 as unknown as Schema);
export const incidentObservationCodec = new AvroCodec<IncidentObservation>(IncidentObservationV1 as unknown as Schema);
export const changeEventCodec = new AvroCodec<ChangeEventRecord>(ChangeEventV1 as unknown as Schema);
