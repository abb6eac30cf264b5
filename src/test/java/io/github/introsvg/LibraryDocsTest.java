package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/library.md shows the example application's code as it is, not as it was. */
class LibraryDocsTest {

  private static final Pattern SNIPPET = Pattern.compile("\\n([ \\t]*)// snippet: [\\w-]+\\n(.*?)\\n[ \\t]*// end snippet", Pattern.DOTALL);

  @Test
  void everySnippetOfTheExampleAppIsInLibraryMdVerbatim() throws IOException {
    String docs = Files.readString(Path.of("docs/library.md"));
    List<String> snippets = new ArrayList<>();
    for (String source : List.of("example/app/src/main/java/com/example/icons/IconApp.java",
        "example/app/src/test/java/com/example/icons/IconAppTest.java")) {
      Matcher m = SNIPPET.matcher(Files.readString(Path.of(source)));
      while (m.find()) {
        int indent = m.group(1).length();
        snippets.add(String.join("\n", m.group(2).lines().map(line -> line.length() >= indent ? line.substring(indent) : line.strip()).toList()));
      }
    }

    assertThat(snippets).hasSize(3);
    assertThat(snippets).allSatisfy(snippet -> assertThat(docs).contains("```java\n" + snippet + "\n```"));
  }
}
