package io.github.introsvg.internal.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.batch.RunFolderBusyException;
import io.github.introsvg.internal.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One run per OUT: an OS lock on {@code OUT/.introsvg.lock}, held for the run's lifetime. The OS releases it
 * when the process dies however it dies, so a lock left by a killed run never blocks the next one.
 */
final class RunFolderLock implements AutoCloseable {

  static final String FILE = ".introsvg.lock";
  private static final ObjectMapper JSON = Json.MAPPER;
  /**
   * Lock files this JVM holds. POSIX releases a process's lock when it closes any descriptor of the file,
   * so a second run in this JVM must not even open the file: it looks here first.
   */
  private static final Map<Path, RunFolderBusyException.Holder> HELD = new ConcurrentHashMap<>();

  private final Path file;
  // A RandomAccessFile, and no I/O on its channel once locked: an interrupt during a channel call would
  // close the channel and with it the lock.
  private final RandomAccessFile handle;

  private RunFolderLock(Path file, RandomAccessFile handle) {
    this.file = file;
    this.handle = handle;
  }

  /**
   * Locks {@code out} (creating it) and writes who holds it into the lock file.
   *
   * @throws RunFolderBusyException when another run holds it
   */
  static RunFolderLock acquire(Path out, Instant started, Consumer<String> notes) {
    Path file = out.resolve(FILE);
    Path key;
    try {
      Files.createDirectories(out);
      key = out.toRealPath().resolve(FILE);
    } catch (IOException e) {
      throw FileProblems.problem("create output directory", out, e);
    }
    RunFolderBusyException.Holder me = new RunFolderBusyException.Holder(ProcessHandle.current().pid(), host(), started);
    RunFolderBusyException.Holder other = HELD.putIfAbsent(key, me);
    if (other != null) throw new RunFolderBusyException(out, other);
    RandomAccessFile handle = null;
    try {
      handle = new RandomAccessFile(key.toFile(), "rw");
      FileLock lock = tryLock(handle);
      if (lock == null) {
        handle.close(); // safe: nothing in this JVM holds a lock on it
        throw new RunFolderBusyException(out, readHolder(key));
      }
      handle.setLength(0);
      handle.write(holderLine(me));
      return new RunFolderLock(key, handle);
    } catch (IOException e) {
      HELD.remove(key);
      closeQuietly(handle);
      if (isUnsupported(e)) {
        notes.accept("can't lock " + file + " (" + FileProblems.cause(file, e) + "); make sure no other run uses " + out);
        return new RunFolderLock(null, null);
      }
      throw FileProblems.problem("lock", file, e);
    } catch (RuntimeException e) {
      HELD.remove(key);
      closeQuietly(handle);
      throw e;
    }
  }

  /** tryLock with the interrupt held back: it does not block, and an interrupt would close the channel. */
  private static FileLock tryLock(RandomAccessFile handle) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      return handle.getChannel().tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // HELD makes this unreachable, unless a caller outside this class locks the file
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /** Network file systems without a lock daemon answer ENOLCK; a run there goes on unlocked. */
  private static boolean isUnsupported(IOException e) {
    String message = String.valueOf(e.getMessage());
    return message.contains("No locks available") || message.contains("Function not implemented");
  }

  private static byte[] holderLine(RunFolderBusyException.Holder holder) throws IOException {
    ObjectNode line = JSON.createObjectNode();
    line.put("pid", holder.pid());
    line.put("host", holder.host());
    line.put("started", holder.started().toString());
    return (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** What the holder wrote, or null when it has not written it yet (it locked a moment ago). */
  private static RunFolderBusyException.Holder readHolder(Path file) {
    try {
      JsonNode node = JSON.readTree(Files.readString(file));
      return new RunFolderBusyException.Holder(node.get("pid").asLong(), node.get("host").asText(),
          Instant.parse(node.get("started").asText()));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String host() {
    for (String name : new String[] {System.getenv("HOSTNAME"), System.getenv("COMPUTERNAME")}) {
      if (name != null && !name.isBlank()) return name;
    }
    try {
      // Not InetAddress.getLocalHost(): it resolves the name, which can take seconds on a badly set-up host.
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException | RuntimeException e) {
      return "unknown host";
    }
  }

  private static void closeQuietly(RandomAccessFile handle) {
    if (handle == null) return;
    try {
      handle.close();
    } catch (IOException ignored) {
      // closing a file we only read or locked; nothing was written that could be lost
    }
  }

  /** Releases OUT; the lock file stays (deleting it would let two later runs lock two different files). */
  @Override
  public void close() {
    if (handle == null) return;
    try {
      handle.setLength(0); // nobody holds it now
    } catch (IOException ignored) {
      // the holder line stays behind; only the lock counts
    } finally {
      closeQuietly(handle);
      HELD.remove(file);
    }
  }
}
