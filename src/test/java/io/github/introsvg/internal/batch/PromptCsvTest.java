package io.github.introsvg.internal.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.batch.PromptFileException;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.RowProblem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptCsvTest {

  @TempDir Path dir;

  private Path csv(String text) throws Exception {
    return Files.writeString(dir.resolve("prompts.csv"), text, StandardCharsets.UTF_8);
  }

  @Test
  void readsQuotedFieldsWithCommasQuotesAndNewlines() throws Exception {
    PromptCsv.Contents c = PromptCsv.read(csv("id,desc\n"
        + "a,\"a cup, with \"\"steam\"\"\"\n"
        + "b,\"two\nlines\"\n"
        + "\n"
        + "c,plain\n"));
    assertThat(c.rows()).extracting(PromptRow::description)
        .containsExactly("a cup, with \"steam\"", "two\nlines", "plain");
    assertThat(c.problems()).isEmpty();
  }

  @Test
  void identifiesTheFileByTheSha256OfItsBytes() throws Exception {
    Path file = csv("id,desc\na,b\n");
    String expected = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    assertThat(PromptCsv.read(file).sha256()).isEqualTo(expected);
  }

  @Test
  void stripsUtf8BomAndAcceptsExtraColumnsInAnyOrder() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = "note,desc,id\nx,a star,s1\n".getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve("bom.csv");
    Files.write(file, concat(bom, body));
    PromptCsv.Contents c = PromptCsv.read(file);
    assertThat(c.rows()).containsExactly(new PromptRow(2, "s1", "a star", "s1"));
  }

  @Test
  void reportsEachBadRowAndKeepsTheRest() throws Exception {
    PromptCsv.Contents c = PromptCsv.read(csv("id,desc\n"
        + "ok1,fine\n"
        + ",no id\n"
        + "noDesc,\n"
        + "short\n"
        + "ok1,again\n"
        + "big," + "x".repeat(PromptCsv.MAX_DESCRIPTION_CHARS + 1) + "\n"
        + "ok2,fine too\n"));
    assertThat(c.rows()).extracting(PromptRow::id).containsExactly("ok1", "ok2");
    assertThat(c.problems()).extracting(RowProblem::toString).containsExactly(
        "row 3: empty or missing id; give every row a unique id",
        "row 4 (id noDesc): empty or missing desc; write the icon's description in the desc column",
        "row 5 (id short): empty or missing desc; write the icon's description in the desc column",
        "row 6 (id ok1): duplicate id; an earlier row has it, make ids unique",
        "row 7 (id big): desc is 4001 characters, more than 4000; shorten it");
    assertThat(c.problems()).allMatch(RowProblem::skipped);
  }

  @Test
  void megabyteDescriptionIsOneRowProblemNotAFailure() throws Exception {
    PromptCsv.Contents c = PromptCsv.read(csv("id,desc\nhuge,\"" + "a".repeat(1 << 20) + "\"\nok,a star\n"));
    assertThat(c.rows()).extracting(PromptRow::id).containsExactly("ok");
    assertThat(c.problems()).singleElement().extracting(RowProblem::toString)
        .isEqualTo("row 2 (id huge): desc is 1048576 characters, more than 4000; shorten it");
  }

  @Test
  void mapsUnsafeIdsToSafeNamesAndWarns() throws Exception {
    PromptCsv.Contents c = PromptCsv.read(csv("id,desc\n../../etc/x,evil\nA,first\na,second\n"));
    assertThat(c.rows()).extracting(PromptRow::fileName)
        .satisfies(names -> {
          assertThat(names.get(0)).matches("etc_x-[0-9a-f]{10}");
          assertThat(names.get(1)).isEqualTo("A");
          assertThat(names.get(2)).matches("a-[0-9a-f]{16}");
        });
    assertThat(c.problems()).hasSize(2).noneMatch(RowProblem::skipped);
    assertThat(c.problems().get(0).message()).contains("not safe as a file name");
  }

  @Test
  void refusesFileWithoutIdDescHeader() throws Exception {
    assertThatThrownBy(() -> PromptCsv.read(csv("a red apple,x\nb,c\n")))
        .isInstanceOf(PromptFileException.class)
        .hasMessageContaining("expected a header row with columns id,desc but found: a red apple,x");
  }

  @Test
  void refusesEmptyFile() throws Exception {
    assertThatThrownBy(() -> PromptCsv.read(csv("")))
        .isInstanceOf(PromptFileException.class).hasMessageContaining("is empty");
  }

  @Test
  void refusesBytesThatAreNotUtf8() throws Exception {
    Path file = dir.resolve("latin1.csv");
    Files.write(file, "id,desc\n1,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> PromptCsv.read(file))
        .isInstanceOf(PromptFileException.class).hasMessageContaining("is not UTF-8");
  }

  @Test
  void refusesMissingFileNamingIt() {
    Path missing = dir.resolve("nope.csv");
    assertThatThrownBy(() -> PromptCsv.read(missing))
        .isInstanceOf(PromptFileException.class)
        .hasMessage(missing + ": does not exist; give the path of a CSV with columns id,desc");
  }

  @Test
  void refusesUnterminatedQuote() throws Exception {
    assertThatThrownBy(() -> PromptCsv.read(csv("id,desc\n1,\"never closed\n2,x\n")))
        .isInstanceOf(PromptFileException.class).hasMessageContaining("not valid CSV");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
