package io.github.introsvg.batch;

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
import java.security.NoSuchAlgorithmException;
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

  private static Contents rows(CSVParser parser, String idColumn, String descColumn, String sha256) {
    List<PromptRow> rows = new ArrayList<>();
    List<RowProblem> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    FileNames names = new FileNames();
    for (CSVRecord record : parser) {
      long line = record.getRecordNumber() + 1;
      String id = record.isSet(idColumn) ? record.get(idColumn).strip() : "";
      String desc = record.isSet(descColumn) ? record.get(descColumn) : "";
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
    return new Contents(rows, problems, sha256);
  }

  private static String column(Map<String, Integer> header, String wanted) {
    for (String name : header.keySet()) {
      if (name != null && name.strip().toLowerCase(Locale.ROOT).equals(wanted)) return name;
    }
    return null;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
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
      throw new PromptFileException(file, "can't be read: " + IoCause.of(e), e);
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
