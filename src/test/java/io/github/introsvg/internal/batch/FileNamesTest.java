package io.github.introsvg.internal.batch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"52e9a7da-9791-4c47-9227-ef5b7fd807a0", "icon_1", "a.b"})
  void keepsSafeIds(String id) {
    assertThat(new FileNames().assign(id)).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../etc/x", "..", ".hidden", "a/b", "a\\b", "CON", "nul.txt", "x.", "a b", "\u00e9t\u00e9", "C:x", "-rf"})
  void mapsUnsafeIdsToNamesWithoutPathCharacters(String id) {
    String name = new FileNames().assign(id);
    assertThat(name).isNotEqualTo(id).matches("[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{10}").doesNotContain("..");
  }

  @Test
  void neverHandsOutTheSameNameTwiceEvenIgnoringCase() {
    FileNames names = new FileNames();
    String mapped = names.assign("a/b");
    assertThat(names.assign(mapped)).isNotEqualToIgnoringCase(mapped);
    assertThat(names.assign("X")).isEqualTo("X");
    assertThat(names.assign("x")).isNotEqualToIgnoringCase("X");
  }
}
