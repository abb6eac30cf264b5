package io.github.introsvg.internal.prompt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three prompts IntroSVG was trained on, byte-exact from the IntroSVG repository (Apache-2.0,
 * {@code inference_loop.py}); the model is sensitive to every byte, so they are never edited or trimmed.
 */
public final class PromptTemplates {

  /** The templates stay in the resource folder of the package the model's formats are documented under. */
  private static final String FOLDER = "/io/github/introsvg/prompt/";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");
  private static final PromptTemplates REFERENCE = new PromptTemplates(
      Template.load("generate.txt"), Template.load("critique.txt"), Template.load("refine.txt"));

  private final Template generate;
  private final Template critique;
  private final Template refine;

  private PromptTemplates(Template generate, Template critique, Template refine) {
    this.generate = generate;
    this.critique = critique;
    this.refine = refine;
  }

  /** The reference's templates, loaded once from this package's resources. */
  public static PromptTemplates reference() {
    return REFERENCE;
  }

  /** The generator's first turn for {@code description}. */
  public String generate(String description) {
    return generate.fill(Map.of("origin_prompt", description));
  }

  /** The critic's turn; the rendered PNG is sent after this text. */
  public String critique(String description) {
    return critique.fill(Map.of("origin_prompt", description));
  }

  /** The generator's refinement of {@code currentSvg} from a critique and its suggestions. */
  public String refine(String description, String currentSvg, String critiqueText, String suggestions) {
    return refine.fill(Map.of(
        "origin_prompt", description,
        "current_svg_content", currentSvg,
        "critique", critiqueText,
        "suggestions", suggestions));
  }

  /** A template split once into literal text and placeholders, filled in one pass (a value is never re-expanded). */
  private record Template(String name, List<String> literals, List<String> placeholders) {

    Template {
      literals = List.copyOf(literals);
      placeholders = List.copyOf(placeholders);
    }

    static Template load(String name) {
      try (InputStream in = PromptTemplates.class.getResourceAsStream(FOLDER + name)) {
        if (in == null) throw new IllegalStateException("prompt template missing from the jar: " + name);
        return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("can't read prompt template " + name, e);
      }
    }

    static Template parse(String name, String text) {
      List<String> literals = new ArrayList<>();
      List<String> placeholders = new ArrayList<>();
      Matcher m = PLACEHOLDER.matcher(text);
      int at = 0;
      while (m.find()) {
        literals.add(text.substring(at, m.start()));
        placeholders.add(m.group(1));
        at = m.end();
      }
      literals.add(text.substring(at));
      return new Template(name, List.copyOf(literals), List.copyOf(placeholders));
    }

    String fill(Map<String, String> values) {
      StringBuilder out = new StringBuilder(256);
      for (int i = 0; i < placeholders.size(); i++) {
        String placeholder = placeholders.get(i);
        String value = Objects.requireNonNull(values.get(placeholder), () -> name + ": no value for {" + placeholder + "}");
        out.append(literals.get(i)).append(value);
      }
      return out.append(literals.get(placeholders.size())).toString();
    }
  }
}
