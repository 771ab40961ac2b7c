import { AvroCodec } from './avro/avro-codec';
import { IncidentObservation } from './incident-observation';
import { ChangeEventRecord } from './schemas/change-event.v1';
import { DeadLetterRecord } from './schemas/dead-letter.v1';
import { IncidentFactRecord } from './schemas/incident-fact.v1';
import { InboundDelivery } from './schemas/inbound-delivery.v1';
import { versionsOf } from './schemas/schema-catalogue';

/** Writes a subject's newest version; reads every version the catalogue lists for it. */
function codecOf<T>(subject: string): AvroCodec<T> {
  const versions = versionsOf(subject);
  return new AvroCodec<T>(versions[versions.length - 1], versions.slice(0, -1));
}

/** The codecs of the platform's event bodies. */
export const inboundDeliveryCodec = codecOf<InboundDelivery>('io.tributary.inbound.v1.InboundDelivery');
export const incidentObservationCodec = codecOf<IncidentObservation>('io.tributary.incidents.v1.IncidentObservation');
export const changeEventCodec = codecOf<ChangeEventRecord>('io.tributary.changes.v1.ChangeEvent');
export const deadLetterCodec = codecOf<DeadLetterRecord>('io.tributary.deadletters.v1.DeadLetter');
export const incidentFactCodec = codecOf<IncidentFactRecord>('io.tributary.incidentfacts.v1.IncidentFact');
