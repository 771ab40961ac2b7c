import { useEffect, useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, Checked, explain, json } from '../api';

/** How long typing pauses before the expression is sent to be checked. */
const CHECK_AFTER_MS = 250;

export type ExpressionCheck =
  | { state: 'empty' | 'checking' }
  | { state: 'ok'; cost: number; budget: number }
  | { state: 'invalid'; message: string; position: number | null }
  | { state: 'failed'; message: string };

/**
 * An expression checked as it is typed, by the server's own parser and cost estimate
 * (POST /v1/expressions/check), with the variables it will be evaluated with: what saving would say.
 */
export function useExpressionCheck(source: string, variables: readonly string[]): ExpressionCheck {
  const [settled, setSettled] = useState(source);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(source), CHECK_AFTER_MS);
    return () => clearTimeout(timer);
  }, [source]);
  const check = useQuery({
    queryKey: ['expression-check', variables.join(','), settled],
    queryFn: () => api<Checked>('/v1/expressions/check', json('POST', { expression: settled, variables })),
    enabled: settled.trim() !== '',
    retry: false,
    staleTime: Infinity,
  });
  if (source.trim() === '') return { state: 'empty' };
  if (settled !== source || check.isPending) return { state: 'checking' };
  if (check.error) {
    const err = check.error;
    if (err instanceof ApiError && err.status === 422 && typeof err.details.position === 'number') {
      return { state: 'invalid', message: err.message, position: err.details.position };
    }
    if (err instanceof ApiError && err.status === 422) return { state: 'invalid', message: err.message, position: null };
    return { state: 'failed', message: explain(err) };
  }
  return { state: 'ok', cost: check.data!.cost, budget: check.data!.budget };
}

/** Where a character offset falls: its 1-based line and column, and the text of that line. */
export function locate(source: string, position: number): { line: number; column: number; text: string } {
  const before = source.slice(0, position).split('\n');
  const line = before.length;
  return { line, column: before[line - 1].length + 1, text: source.split('\n')[line - 1] ?? '' };
}

interface Props {
  label: string;
  value: string;
  onChange: (value: string) => void;
  check: ExpressionCheck;
  /** what the expression may use, said to the person */
  hint: string;
}

/** A CEL expression's text area, with the server's verdict under it: a caret under the column the error is at. */
export function ExpressionField({ label, value, onChange, check, hint }: Props) {
  const id = useId();
  const invalid = check.state === 'invalid' || check.state === 'failed';
  const where = check.state === 'invalid' && check.position !== null ? locate(value, check.position) : null;
  return (
    <div className="expression">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} value={value} rows={2} spellCheck={false} aria-invalid={invalid}
        aria-describedby={`${id}-hint ${id}-verdict`} onChange={(e) => onChange(e.target.value)} />
      <p id={`${id}-hint`} className="hint">{hint}</p>
      <div id={`${id}-verdict`} aria-live="polite" className="verdict">
        {check.state === 'checking' && <p className="muted">Checking…</p>}
        {check.state === 'ok' && <p className="ok">Valid: costs up to {check.cost.toLocaleString('en-US')} of {check.budget.toLocaleString('en-US')} units.</p>}
        {check.state === 'failed' && <p className="error">{check.message}</p>}
        {check.state === 'invalid' && (
          <>
            {where && (
              // the line again with a caret under the column: monospace, so the caret lines up
              <pre className="caret" data-testid="expression-caret" data-position={check.position ?? undefined}>
                {where.text}{'\n'}{' '.repeat(where.column - 1)}^
              </pre>
            )}
            <p className="error">{where ? `Line ${where.line}, column ${where.column}: ` : ''}{check.message}</p>
          </>
        )}
      </div>
    </div>
  );
}
