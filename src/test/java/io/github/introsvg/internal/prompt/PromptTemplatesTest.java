package io.github.introsvg.internal.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PromptTemplatesTest {

  private final PromptTemplates templates = PromptTemplates.reference();

  @ParameterizedTest
  @CsvSource({
      "generate.txt, 2294c6e05fa4f4e113fd2fde1c26a45ef242d438c5f529e6aa2f73fef81879fa",
      "critique.txt, e9d020c77f4596cd5b1d544a405a17a0ea4dc5c6c36838da889ce84e91ddee59",
      "refine.txt,   1b69a50901c60258f077ae67ec2bfa50ab3004310c39cc0b4856b3a2a4a79ffa",
  })
  void templatesAreByteExactCopiesOfTheReference(String name, String digest) throws Exception {
    // SHA-256 of the reference's files as copied; any edit, even a trailing newline, fails here.
    assertThat(sha256(name)).isEqualTo(digest);
  }

  @Test
  void generateFillsTheDescriptionVerbatim() {
    assertThat(templates.generate("a red \"apple\", {critique}"))
        .isEqualTo("Please generate an SVG icon that meets the following description: a red \"apple\", {critique}");
  }

  @Test
  void critiqueKeepsImageMarkerAndRealNewlineAndNoTrailingNewline() {
    String text = templates.critique("a cat");
    assertThat(text)
        .startsWith("You are a professional SVG design critic. Please analyze the input AI-generated SVG draft<image> ")
        .contains("**Original Design Prompt**: \"a cat\"")
        .contains("(e.g., \"1. Suggestion A\n2. Suggestion B\").")
        .doesNotEndWith("\n");
  }

  @Test
  void refineSubstitutesEachPlaceholderOnceWithoutReexpandingValues() {
    String text = templates.refine("{suggestions}", "<svg>{critique}</svg>", "too {origin_prompt}", "1. A\n2. B");
    assertThat(text)
        .startsWith("Please analyze all the information provided below and generate a final, high-quality SVG code."
            + " The original design goal was: \"{suggestions}\"; a draft SVG code that needs improvement is as follows: ```xml\n"
            + "<svg>{critique}</svg>\n```; an expert critique of this draft is: \"too {origin_prompt}\"; and the specific"
            + " modification suggestions are: 1. A\n2. B. Please strictly follow");
  }

  private static String sha256(String name) throws Exception {
    try (InputStream in = PromptTemplates.class.getResourceAsStream("/io/github/introsvg/prompt/" + name)) {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    }
  }
}
