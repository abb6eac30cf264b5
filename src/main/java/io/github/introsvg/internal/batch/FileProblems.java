package io.github.introsvg.internal.batch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** Turns a failed file operation into one sentence that names the path and the cause, not just the path. */
public final class FileProblems {

  private FileProblems() {}

  /** {@code "can't <doing> <path>: <cause>"}, wrapping {@code e}. */
  public static UncheckedIOException problem(String doing, Path path, IOException e) {
    return new UncheckedIOException("can't " + doing + " " + path + ": " + cause(path, e), e);
  }

  /**
   * Why {@code e} happened, in words: the JDK reports the OS's reason in three shapes (a typed
   * FileSystemException, "path (Reason)" from the java.io streams, or the bare reason from a write).
   */
  public static String cause(Path path, IOException e) {
    String reason = reason(e);
    String lower = reason.toLowerCase(Locale.ROOT);
    if (lower.contains("no space left")) return "no space left on device";
    if (lower.contains("file too large")) return "file too large (a file-size limit? see ulimit -f)";
    if (lower.contains("quota")) return "disk quota exceeded";
    if (lower.contains("read-only file system")) return "read-only file system";
    if (e instanceof AccessDeniedException || lower.contains("permission denied")) return "permission denied";
    if (e instanceof FileAlreadyExistsException || lower.contains("not a directory")) return notADirectory(path);
    if (lower.contains("is a directory")) return "it is a directory, not a file";
    if (e instanceof NoSuchFileException || lower.contains("no such file")) return "no such file or directory";
    return reason;
  }

  private static String reason(IOException e) {
    if (e instanceof FileSystemException f) {
      return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName() + " " + f.getFile();
    }
    String message = String.valueOf(e.getMessage());
    // java.io streams say "path (Reason)"
    int open = message.lastIndexOf(" (");
    return open >= 0 && message.endsWith(")") ? message.substring(open + 2, message.length() - 1) : message;
  }

  /** Names the part of {@code path} that is a file where a directory is needed. */
  private static String notADirectory(Path path) {
    for (Path p = path; p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.isDirectory(p)) {
        return (p.equals(path) ? "it" : p.toString()) + " is a file, not a directory";
      }
    }
    return "not a directory";
  }
}
