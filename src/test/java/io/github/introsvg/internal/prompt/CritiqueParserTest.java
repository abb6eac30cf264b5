package io.github.introsvg.internal.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.prompt.Critique;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CritiqueParserTest {

  @Test
  void parsesBareJson() {
    Critique c = CritiqueParser.parse("{\"score\": 7.5, \"critique\": \"ok\", \"suggestions\": \"1. A\\n2. B\"}");
    assertThat(c).isEqualTo(new Critique(7.5, "ok", "1. A\n2. B"));
  }

  @Test
  void prefersFencedJsonBlockOverOtherBraces() {
    String reply = "Use {braces} wisely.\n```json\n{\"score\": 8, \"critique\": \"c\", \"suggestions\": \"s\"}\n```\n{not json}";
    assertThat(CritiqueParser.parse(reply).score()).isEqualTo(8.0);
  }

  @Test
  void fallsBackToFirstToLastBrace() {
    String reply = "My verdict: {\"score\": 6, \"critique\": \"a {nested} word\", \"suggestions\": \"x\"} Thanks.";
    assertThat(CritiqueParser.parse(reply).critique()).isEqualTo("a {nested} word");
  }

  @Test
  void acceptsRealNewlinesInsideStringsAsTheTemplateShows() {
    Critique c = CritiqueParser.parse("{\"score\": 5, \"critique\": \"c\", \"suggestions\": \"1. A\n2. B\"}");
    assertThat(c.suggestions()).isEqualTo("1. A\n2. B");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"8.5\"     | 8.5",
      "\"9/10\"    | 9.0",
      "12        | 10.0",
      "-3        | 0.0",
      "\" 7 \"     | 7.0",
  })
  void acceptsNumericStringsAndClampsScore(String score, double expected) {
    assertThat(CritiqueParser.parse("{\"score\": " + score + ", \"critique\": \"c\", \"suggestions\": \"s\"}").score())
        .isEqualTo(expected);
  }

  @Test
  void joinsSuggestionsGivenAsList() {
    Critique c = CritiqueParser.parse("{\"score\": 4, \"critique\": \"c\", \"suggestions\": [\"1. A\", \"2. B\"]}");
    assertThat(c.suggestions()).isEqualTo("1. A\n2. B");
  }

  @Test
  void missingTextFieldsBecomeEmpty() {
    assertThat(CritiqueParser.parse("{\"score\": 4}")).isEqualTo(new Critique(4, "", ""));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "no json here                                   | no JSON object",
      "{\"critique\": \"c\"}                          | no \"score\"",
      "{\"score\": \"high\"}                          | not a number",
      "{\"score\": [1]}                               | not a number",
      "{\"score\": NaN}                               | NaN",
      "{\"score\": 5,                                 | no JSON object",
      "{\"score\": 5 \"critique\": 1}                 | does not parse",
  })
  void refusesRepliesWithoutUsableScore(String reply, String message) {
    assertThatThrownBy(() -> CritiqueParser.parse(reply))
        .isInstanceOf(ReplyParseException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "The overall quality is excellent, no changes are needed.  | true",
      "No further modifications are necessary.                   | true",
      "No change needed.                                         | true",
      "1. Make the apple redder\\n2. No changes are needed to the stem | false",
      "1. Add a leaf                                              | false",
      "Add more contrast.                                          | false",
  })
  void recognisesAffirmativeSuggestions(String suggestions, boolean noChange) {
    assertThat(new Critique(8, "", suggestions.replace("\\n", "\n")).saysNoChangeNeeded()).isEqualTo(noChange);
  }
}
