package io.github.introsvg.internal.batch;

import io.github.introsvg.batch.Prompt;
import io.github.introsvg.batch.PromptFileException;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.batch.Shard;
import io.github.introsvg.internal.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a prompts file: CSV with an {@code id,desc} header (other columns ignored), UTF-8 with or without
 * a BOM, quoted fields with commas and newlines. Rows that can't run are reported one by one, never fatal.
 */
public final class PromptCsv {

  /** Longer descriptions would crowd the model's context; real prompts are a sentence. */
  public static final int MAX_DESCRIPTION_CHARS = 4_000;
  private static final long MAX_FILE_BYTES = 64L << 20;

  /**
   * The usable rows, in file order, the problems found on the others, and the file's SHA-256 (hex), which
   * identifies it when a run is resumed.
   */
  public record Contents(List<PromptRow> rows, List<RowProblem> problems, String sha256) {
    public Contents {
      rows = List.copyOf(rows);
      problems = List.copyOf(problems);
      Objects.requireNonNull(sha256, "sha256 == null");
    }

    /**
     * The rows (and the problems of rows) that {@code shard} takes; problems of rows without an id go to shard 1.
     * Its identity for resuming names the shard too, so two shards' runs never pass for each other.
     */
    public Contents shard(Shard shard) {
      if (shard.equals(Shard.ALL)) return this;
      List<PromptRow> taken = rows.stream().filter(r -> shard.takes(r.id())).toList();
      List<RowProblem> theirs = problems.stream()
          .filter(p -> p.id().isEmpty() ? shard.index() == 1 : shard.takes(p.id())).toList();
      String identity = Digests.sha256Hex((sha256 + " shard " + shard).getBytes(StandardCharsets.UTF_8));
      return new Contents(taken, theirs, identity);
    }
  }

  private PromptCsv() {}

  /** @throws PromptFileException when the file as a whole can't be used */
  public static Contents read(Path file) {
    byte[] bytes = readBytes(file);
    String text = decode(file, bytes);
    if (text.isBlank()) throw new PromptFileException(file, "the file is empty; it needs a header row id,desc and one row per prompt");
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true).get();
    try (CSVParser parser = CSVParser.parse(text, format)) {
      Map<String, Integer> header = parser.getHeaderMap();
      String idColumn = column(header, "id");
      String descColumn = column(header, "desc");
      if (idColumn == null || descColumn == null) {
        throw new PromptFileException(file, "expected a header row with columns id,desc but found: "
            + String.join(",", header.keySet()) + "; add the header line id,desc");
      }
      Contents contents = rows(parser, idColumn, descColumn, sha256(bytes));
      if (contents.rows().isEmpty() && contents.problems().isEmpty()) {
        throw PromptFileException.naming(file, "no prompts in " + file + ": it has the header but no rows; add one row id,desc per icon");
      }
      return contents;
    } catch (UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      throw new PromptFileException(file, "is not valid CSV (" + e.getMessage() + "); check its quotes", e);
    } catch (IOException e) {
      throw new PromptFileException(file, "can't be read: " + e.getMessage(), e);
    }
  }

  /**
   * The prompts of an embedding application, checked as a CSV's rows are ({@code line} is then the 1-based
   * position); their SHA-256 identifies them when a run is resumed.
   */
  public static Contents of(Iterable<Prompt> prompts) {
    Objects.requireNonNull(prompts, "prompts == null");
    MessageDigest digest = sha256();
    Validator validator = new Validator();
    long position = 0;
    for (Prompt p : prompts) {
      Objects.requireNonNull(p, "a prompt is null");
      digest.update((p.id() + '\u0000' + p.description() + '\n').getBytes(StandardCharsets.UTF_8));
      validator.add(++position, p.id().strip(), p.description());
    }
    return new Contents(validator.rows, validator.problems, HexFormat.of().formatHex(digest.digest()));
  }

  private static Contents rows(CSVParser parser, String idColumn, String descColumn, String sha256) {
    Validator validator = new Validator();
    for (CSVRecord record : parser) {
      validator.add(record.getRecordNumber() + 1, record.isSet(idColumn) ? record.get(idColumn).strip() : "",
          record.isSet(descColumn) ? record.get(descColumn) : "");
    }
    return new Contents(validator.rows, validator.problems, sha256);
  }

  /** One rule set for every source of prompts: usable rows, and a reason for each other one. */
  private static final class Validator {
    final List<PromptRow> rows = new ArrayList<>();
    final List<RowProblem> problems = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private final FileNames names = new FileNames();

    void add(long line, String id, String desc) {
      if (id.isEmpty()) {
        problems.add(new RowProblem(line, "", "empty or missing id; give every row a unique id", true));
      } else if (desc.isBlank()) {
        problems.add(new RowProblem(line, id, "empty or missing desc; write the icon's description in the desc column", true));
      } else if (desc.length() > MAX_DESCRIPTION_CHARS) {
        problems.add(new RowProblem(line, id, "desc is " + desc.length() + " characters, more than "
            + MAX_DESCRIPTION_CHARS + "; shorten it", true));
      } else if (!seen.add(id)) {
        problems.add(new RowProblem(line, id, "duplicate id; an earlier row has it, make ids unique", true));
      } else {
        String fileName = names.assign(id);
        if (!fileName.equals(id)) {
          problems.add(new RowProblem(line, id, "id is not safe as a file name; its files are named " + fileName, false));
        }
        rows.add(new PromptRow(line, id, desc, fileName));
      }
    }
  }

  private static String column(Map<String, Integer> header, String wanted) {
    for (String name : header.keySet()) {
      if (name != null && name.strip().toLowerCase(Locale.ROOT).equals(wanted)) return name;
    }
    return null;
  }

  private static String sha256(byte[] bytes) {
    return Digests.sha256Hex(bytes);
  }

  private static MessageDigest sha256() {
    return Digests.sha256();
  }

  private static byte[] readBytes(Path file) {
    if (Files.isDirectory(file)) throw new PromptFileException(file, "is a directory; give the path of a CSV file with columns id,desc");
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new PromptFileException(file, "is larger than " + (MAX_FILE_BYTES >> 20) + " MB; split it into several runs");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new PromptFileException(file, "does not exist; give the path of a CSV with columns id,desc", e);
    } catch (IOException e) {
      throw new PromptFileException(file, "can't be read: " + FileProblems.cause(file, e), e);
    }
  }

  private static String decode(Path file, byte[] bytes) {
    int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, start, bytes.length - start))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PromptFileException(file, "is not UTF-8 text; save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)", e);
    }
  }
}
