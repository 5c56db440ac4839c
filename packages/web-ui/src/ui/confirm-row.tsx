/**
 * The row that opens under a table row to confirm what its button asked for (cancel a download,
 * unsync a folder): a small form with the question (`children`), the action, a way back, and
 * the action's error. Named for screen readers by `label`.
 */
import type { ComponentChildren } from 'preact';

export interface ConfirmRowProps {
  /** Columns of the table the row spans. */
  colSpan: number;
  /** The form's accessible name ("Cancel talk.mp4"). */
  label: string;
  /** The submit button's text, and what it does. */
  confirm: string;
  onConfirm: () => void;
  /** The text of the button that closes the row without acting. */
  keep: string;
  onKeep: () => void;
  busy?: boolean;
  error?: string | undefined;
  children: ComponentChildren;
}

export function ConfirmRow({ colSpan, label, confirm, onConfirm, keep, onKeep, busy = false, error, children }: ConfirmRowProps) {
  return (
    <tr class="form-row">
      <td colSpan={colSpan}>
        <form
          class="inline"
          aria-label={label}
          onSubmit={(e) => {
            e.preventDefault();
            onConfirm();
          }}
        >
          {children}
          <button type="submit" disabled={busy}>
            {confirm}
          </button>
          <button type="button" class="secondary" onClick={onKeep}>
            {keep}
          </button>
          {error ? (
            <p role="alert" class="error small">
              {error}
            </p>
          ) : null}
        </form>
      </td>
    </tr>
  );
}
