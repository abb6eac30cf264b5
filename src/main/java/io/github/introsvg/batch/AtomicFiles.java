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

  /** Our temporary files, and only ours, start with this: cleaning up never touches a user's file. */
  private static final String TEMP_PREFIX = ".introsvg-";

  private AtomicFiles() {}

  static void write(Path target, byte[] content) {
    Path dir = target.getParent();
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, TEMP_PREFIX + target.getFileName(), ".tmp");
      try {
        // A stream, not Files.write: a channel write fails outright if the writing thread was just interrupted.
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
          out.write(content);
          out.getFD().sync(); // durable before the rename makes it visible, and before the journal says "done"
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
   * Deletes the temporary files a killed run left in {@code dirs} and below (a crash between writing and
   * renaming); the files they were for are either absent or complete, and get written again.
   */
  static void deleteLeftovers(Iterable<Path> dirs) {
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) continue;
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.filter(AtomicFiles::isTemporary).toList()) Files.deleteIfExists(f);
      } catch (IOException e) {
        throw new UncheckedIOException("can't clean up temporary files in " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  private static boolean isTemporary(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith(TEMP_PREFIX) && name.endsWith(".tmp") && Files.isRegularFile(file);
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
