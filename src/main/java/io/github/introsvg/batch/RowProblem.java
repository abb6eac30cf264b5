package io.github.introsvg.batch;

/**
 * A CSV row that can't run (or runs under another file name), said in one line that names the row.
 *
 * @param id the row's id as written, or empty when it has none
 * @param skipped true when the row does not run; false for a warning only
 */
public record RowProblem(long line, String id, String message, boolean skipped) {

  @Override
  public String toString() {
    return "row " + line + (id.isEmpty() ? "" : " (id " + id + ")") + ": " + message;
  }
}
