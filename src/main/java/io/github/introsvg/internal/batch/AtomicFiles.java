package io.github.introsvg.internal.batch;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes files so that a reader (or a crash) never sees a half-written one: a temporary file, fsync, rename,
 * then an fsync of the directory so that the rename itself survives a power cut.
 */
public final class AtomicFiles {

  /** Our temporary files, and only ours, start with this: cleaning up never touches a user's file. */
  private static final String TEMP_PREFIX = ".introsvg-";
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private AtomicFiles() {}

  /** Replaces {@code target} with {@code content}: readers see the old file or the new one, never half of it. */
  public static void write(Path target, byte[] content) {
    Path dir = target.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = createTemporary(dir, target.getFileName().toString());
      // A stream, not Files.write: a channel write fails outright if the writing thread was just interrupted.
      try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
        out.write(content);
        out.getFD().sync(); // durable before the rename makes it visible, and before the journal says "done"
      }
      move(tmp, target);
      tmp = null;
      syncDirectory(dir);
    } catch (IOException e) {
      UncheckedIOException problem = FileProblems.problem("write", target, e);
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp); // frees the space a full disk needs; a leftover would be cleaned up on resume
        } catch (IOException again) {
          problem.addSuppressed(again);
        }
      }
      throw problem;
    }
  }

  /**
   * A new empty file in {@code dir} under our prefix. Files.createFile, not createTempFile: the file (and so
   * the renamed output) gets the usual 0666 minus the umask, as any command-line tool's output does, not 0600.
   */
  private static Path createTemporary(Path dir, String forName) throws IOException {
    while (true) {
      Path tmp = dir.resolve(TEMP_PREFIX + forName + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
      try {
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException taken) {
        // another writer's name; draw again
      }
    }
  }

  /**
   * Makes the entries of {@code dir} (a rename, a new file) durable. Only a FileChannel can fsync a
   * directory, and an interrupt closes a channel mid-call, so the call runs with the interrupt held back.
   */
  static void syncDirectory(Path dir) throws IOException {
    if (!POSIX) return; // Windows can't open a directory for reading; NTFS journals renames itself
    boolean interrupted = Thread.interrupted();
    try {
      for (int attempt = 1; ; attempt++) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
          channel.force(true);
          return;
        } catch (ClosedByInterruptException e) {
          interrupted |= Thread.interrupted();
          if (attempt == 3) throw e;
        }
      }
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
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
        throw FileProblems.problem("clean up temporary files in", dir, e);
      } catch (UncheckedIOException e) {
        throw FileProblems.problem("clean up temporary files in", dir, e.getCause()); // Files.walk's iterator
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
