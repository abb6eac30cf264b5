package io.github.introsvg.internal.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.batch.DamagedRunFileException;
import io.github.introsvg.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads a file of JSON objects, one a line, written by appending: a line counts once its newline is
 * written. A crash can only have cut the last line, wherever the cut fell (inside a UTF-8 character, a
 * JSON string, before the newline); that torn tail is reported, not read. An unreadable line followed by
 * more lines was not cut by a crash: {@link DamagedRunFileException}.
 */
final class JsonLines {

  private static final ObjectMapper JSON = Json.MAPPER;

  /**
   * @param keptBytes the length of the intact lines, up to and including the last one's newline
   * @param tornBytes what follows them: a torn last line, to be cut away
   */
  record Tail(long keptBytes, long tornBytes) {}

  private JsonLines() {}

  /** Hands every intact line of {@code file} to {@code each}, in order; blank lines are skipped. */
  static Tail read(Path file, Consumer<JsonNode> each) throws IOException {
    long size = Files.size(file);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    long lineNumber = 0;
    long lineStart = 0;
    long kept = 0;
    Bad unreadable = null; // the last unreadable line, forgiven only if nothing follows it
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      long position = 0;
      for (int n; (n = in.read(buffer)) > 0; ) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (buffer[i] != '\n') continue;
          line.write(buffer, from, i - from);
          from = i + 1;
          lineNumber++;
          long end = position + i + 1;
          byte[] bytes = line.toByteArray();
          if (!isBlank(bytes)) {
            if (unreadable != null) throw unreadable.damage(file);
            String problem = parse(bytes, each);
            if (problem == null) kept = end;
            else unreadable = new Bad(lineNumber, lineStart, problem);
          } else if (unreadable == null) {
            kept = end;
          }
          line.reset();
          lineStart = end;
        }
        line.write(buffer, from, n - from);
        position += n;
      }
    }
    if (unreadable != null && !isBlank(line.toByteArray())) throw unreadable.damage(file);
    return new Tail(kept, Math.max(0, size - kept));
  }

  /** Parses one line and hands it on; returns what is wrong with it, or null. */
  private static String parse(byte[] bytes, Consumer<JsonNode> each) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return "not UTF-8";
    }
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return "not JSON (" + e.getOriginalMessage() + ")";
    }
    if (node == null || !node.isObject()) return "not a JSON object";
    each.accept(node);
    return null;
  }

  private static boolean isBlank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r') return false;
    }
    return true;
  }

  private record Bad(long line, long offset, String problem) {
    DamagedRunFileException damage(Path file) {
      return new DamagedRunFileException(file, line, offset, problem);
    }
  }
}
