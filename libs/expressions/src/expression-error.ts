/** Why an expression was refused or stopped. */
export type ExpressionErrorCode =
  /** it does not parse, type-check, or calls a function that is not available */
  | 'invalid_expression'
  /** an evaluation failed (a missing field, a wrong type, a result too large) */
  | 'expression_failed'
  /** an evaluation used more than EXPRESSION_BUDGET units and was stopped */
  | 'expression_budget_exceeded';

export class ExpressionError extends Error {
  constructor(
    message: string,
    /** where in the source the problem is, when known */
    readonly position: number | null,
    readonly phase: 'compile' | 'evaluate',
    readonly code: ExpressionErrorCode = phase === 'compile' ? 'invalid_expression' : 'expression_failed',
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}
