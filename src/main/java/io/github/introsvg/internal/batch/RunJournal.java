package io.github.introsvg.internal.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.batch.DamagedRunFileException;
import io.github.introsvg.batch.Prompt;
import io.github.introsvg.batch.ResumeConflictException;
import io.github.introsvg.internal.Json;
import io.github.introsvg.internal.lmdeploy.ChatReply;
import io.github.introsvg.internal.loop.TurnJournal;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@code OUT/journal.jsonl}: the run's settings, then every answered turn and every finished prompt, one JSON
 * line each, appended and fsynced before the turn counts. A crash loses at most the turns in flight; a
 * torn last line is dropped on reopening, an unreadable line before it is refused.
 */
final class RunJournal implements TurnJournal, AutoCloseable {

  static final String FILE = "journal.jsonl";
  private static final ObjectMapper JSON = Json.MAPPER;

  private final Path file;
  // A stream, not a FileChannel: interrupting a thread inside a channel write closes the channel for everyone.
  private final FileOutputStream stream;
  private final Set<String> done;
  /** Replies of prompts not yet done, by prompt id then "label/attempt"; dropped once a prompt is done. */
  private final Map<String, Map<String, ChatReply>> pending;
  /** The first append that failed; every later one fails the same way. */
  private UncheckedIOException failed;
  private long written; // lines written, guarded by this
  private final Object syncLock = new Object();
  private long synced; // lines known to be on disk, guarded by syncLock

  private RunJournal(Path file, FileOutputStream stream, Set<String> done, Map<String, Map<String, ChatReply>> pending) {
    this.file = file;
    this.stream = stream;
    this.done = done;
    this.pending = pending;
  }

  /**
   * Opens the journal in {@code out}: continues the one there when its settings equal {@code header}'s, or
   * starts a new one (to start over, the caller first sets an earlier run aside). A torn last line is cut
   * away and reported to {@code notes}.
   *
   * @throws ResumeConflictException when OUT holds a journal of a run with other settings
   * @throws DamagedRunFileException when a line before the last is unreadable (the file is left untouched)
   */
  static RunJournal open(Path out, ObjectNode header, Consumer<String> notes) {
    Path file = out.resolve(FILE);
    try {
      Files.createDirectories(out);
      if (Files.exists(file) && Files.size(file) > 0) {
        RunJournal resumed = resume(out, file, header, notes);
        if (resumed != null) return resumed;
      }
      RunJournal journal = new RunJournal(file, new FileOutputStream(file.toFile(), false),
          ConcurrentHashMap.newKeySet(), new ConcurrentHashMap<>());
      AtomicFiles.syncDirectory(out); // the new journal's name, not only its lines, must survive a power cut
      journal.append(header);
      return journal;
    } catch (IOException e) {
      throw FileProblems.problem("open", file, e);
    }
  }

  /** The journal continued after its last intact line; null when not even its header survived. */
  private static RunJournal resume(Path out, Path file, ObjectNode header, Consumer<String> notes) throws IOException {
    Set<String> done = ConcurrentHashMap.newKeySet();
    Map<String, Map<String, ChatReply>> pending = new ConcurrentHashMap<>();
    boolean[] first = {true};
    JsonLines.Tail tail = JsonLines.read(file, node -> {
      if (first[0]) {
        checkSameRun(out, node, header);
        first[0] = false;
      } else {
        apply(node, done, pending);
      }
    });
    if (tail.tornBytes() > 0) {
      notes.accept("dropped the torn last line of " + file + " (" + tail.tornBytes() + " bytes, cut off mid-write); "
          + (tail.keptBytes() == 0 ? "not even the run's settings were recorded, so the run starts afresh"
              : "the turn it was recording will be asked again"));
    }
    if (tail.keptBytes() == 0) return null;
    if (tail.tornBytes() > 0) {
      try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
        raw.setLength(tail.keptBytes()); // new lines must start on a line of their own
        raw.getFD().sync();
      }
    }
    return new RunJournal(file, new FileOutputStream(file.toFile(), true), done, pending);
  }

  private static void checkSameRun(Path out, JsonNode previous, ObjectNode current) {
    StringBuilder differences = new StringBuilder();
    for (Iterator<String> names = current.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (name.equals("started")) continue;
      JsonNode before = previous.get(name);
      JsonNode now = current.get(name);
      if (!now.equals(before)) {
        if (differences.length() > 0) differences.append(", ");
        differences.append(name).append(' ').append(before == null ? "(none)" : before).append(" -> ").append(now);
      }
    }
    if (differences.length() > 0) {
      throw new ResumeConflictException(out + " holds a run with other settings (" + differences
          + "); resume with the same settings, use another -o directory, or pass --force-new to start over there");
    }
  }

  private static void apply(JsonNode node, Set<String> done, Map<String, Map<String, ChatReply>> pending) {
    String id = node.path("id").asText();
    switch (node.path("type").asText()) {
      case "turn" -> pending.computeIfAbsent(id, k -> new HashMap<>()).put(
          key(node.path("label").asText(), node.path("attempt").asInt()),
          new ChatReply(node.path("content").asText(), node.path("finish_reason").asText(),
              new ChatReply.Usage(node.path("prompt_tokens").asInt(), node.path("completion_tokens").asInt()),
              Duration.ofMillis(node.path("latency_ms").asLong())));
      case "done" -> {
        done.add(id);
        pending.remove(id);
      }
      default -> { } // unknown line types from a newer version carry nothing this one replays
    }
  }

  /** Prompt ids whose files were all written in an earlier run. */
  Set<String> done() {
    return Set.copyOf(done);
  }

  /** How many turns earlier runs answered for prompts not yet done (what a resume will not ask again). */
  int replayableTurns() {
    return pending.values().stream().mapToInt(Map::size).sum();
  }

  @Override
  public Optional<ChatReply> replay(String promptId, String label, int attempt) {
    Map<String, ChatReply> turns = pending.get(promptId);
    return turns == null ? Optional.empty() : Optional.ofNullable(turns.get(key(label, attempt)));
  }

  @Override
  public void record(String promptId, String label, int attempt, ChatReply reply) {
    ObjectNode line = JSON.createObjectNode();
    line.put("type", "turn");
    line.put("id", promptId);
    line.put("label", label);
    line.put("attempt", attempt);
    line.put("finish_reason", reply.finishReason());
    line.put("prompt_tokens", reply.usage().promptTokens());
    line.put("completion_tokens", reply.usage().completionTokens());
    line.put("latency_ms", reply.latency().toMillis());
    line.put("content", reply.content());
    append(line);
  }

  /** Marks a prompt finished (its files written) and forgets its turns. */
  void markDone(String promptId) {
    ObjectNode line = JSON.createObjectNode();
    line.put("type", "done");
    line.put("id", promptId);
    append(line);
    done.add(promptId);
    pending.remove(promptId);
  }

  private void append(ObjectNode line) {
    byte[] bytes;
    try {
      bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("can't encode a journal line", e);
    }
    long mine;
    synchronized (this) {
      // After a failed write the file may end in a partial line; one more line after it would turn that torn
      // tail, which a resume drops, into damage in the middle, which it refuses.
      if (failed != null) throw failed;
      try {
        stream.write(bytes);
      } catch (IOException e) {
        failed = FileProblems.problem("append to", file, e);
        throw failed;
      }
      mine = ++written;
    }
    syncUpTo(mine);
  }

  /**
   * Group commit: returns once line {@code mine} is on disk. While one thread fsyncs, the others append and
   * queue here; the next fsync covers all of their lines at once, so 24 prompts finishing turns together wait
   * for about two fsyncs each, not for 24 in a row.
   */
  private void syncUpTo(long mine) {
    synchronized (syncLock) {
      if (synced >= mine) return;
      long upTo;
      synchronized (this) {
        if (failed != null) throw failed;
        upTo = written;
      }
      try {
        stream.getFD().sync();
      } catch (IOException e) {
        synchronized (this) {
          if (failed == null) failed = FileProblems.problem("sync", file, e);
          throw failed;
        }
      }
      synced = upTo;
    }
  }

  private static String key(String label, int attempt) {
    return label + "/" + attempt;
  }

  @Override
  public void close() {
    try {
      stream.close();
    } catch (IOException e) {
      throw FileProblems.problem("close", file, e);
    }
  }
}
