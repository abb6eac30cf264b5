package io.github.introsvg.batch;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/** Why a file operation failed, in the words a user acts on: "permission denied", "is a directory", "no space left on device". */
public final class IoCause {

  private IoCause() {}

  public static String of(IOException e) {
    if (e instanceof AccessDeniedException) return "permission denied";
    if (e instanceof NoSuchFileException) return "does not exist";
    if (e instanceof NotDirectoryException) return "not a directory";
    // The JDK gives the OS's words ("Is a directory", "No space left on device") as the reason or the message.
    String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
    return reason == null || reason.isBlank() ? e.getClass().getSimpleName() : reason.toLowerCase(Locale.ROOT);
  }
}
