import { IncidentObservationV1 } from './incident-observation.v1';

/**
 * IncidentObservation v2: v1 plus `statedFields`, the fields the observation states. A source's
 * update may be partial (Monte Carlo sends only what changed); a field it does not state keeps its
 * stored value. Null means every field is stated: a full state, and what v1 data reads as.
 */
export const IncidentObservationV2 = {
  ...IncidentObservationV1,
  fields: [
    ...IncidentObservationV1.fields,
    {
      name: 'statedFields',
      type: ['null', { type: 'array', items: 'string' }],
      default: null,
      doc: 'the fields this observation states (a partial update); null: every field (a full state, and every v1 record)',
    },
  ],
} as const;
