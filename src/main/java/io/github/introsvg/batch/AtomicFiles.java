package io.github.introsvg.batch;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Writes files so that a reader (or a crash) never sees a half-written one: a temporary file, then rename. */
final class AtomicFiles {

  private AtomicFiles() {}

  static void write(Path target, byte[] content) {
    Path dir = target.getParent();
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
      try {
        // A stream, not Files.write: a channel write fails outright if the writing thread was just interrupted.
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
          out.write(content);
        }
        move(tmp, target);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("can't write " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the temporary files a killed run left under {@code dir} (a crash between writing and renaming);
   * the files they were for are either absent or complete, and get written again.
   */
  static void deleteLeftovers(Path dir) {
    if (!Files.isDirectory(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(AtomicFiles::isTemporary).toList()) Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new UncheckedIOException("can't clean up temporary files in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static boolean isTemporary(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith(".") && name.endsWith(".tmp") && Files.isRegularFile(file);
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
