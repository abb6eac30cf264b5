package com.example.icons;

import io.github.introsvg.IntroSvg;
import io.github.introsvg.loop.Candidate;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.MockLmdeployServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Draws five icons with introsvg-client: one with {@code generate}, four at once with {@code generateAsync}.
 * Without arguments it starts the library's mock lmdeploy server and draws against that; with {@code URL MODEL}
 * it draws against a real server. Prints a line per icon; exits 1 if any icon has no PNG.
 */
public final class IconApp {

  static final List<String> PROMPTS = List.of(
      "a red apple with a green leaf",
      "a blue paper plane",
      "a yellow sun over two hills",
      "a black cat sitting",
      "a steaming coffee cup");

  public static void main(String[] args) {
    List<PromptResult> icons;
    if (args.length == 2) {
      icons = drawIcons(args[0], args[1]);
    } else {
      try (MockLmdeployServer mock = MockLmdeployServer.builder().start()) {
        icons = drawIcons(mock.baseUrl(), mock.model());
      }
    }
    long failed = icons.stream().filter(icon -> !hasPng(icon)).count();
    System.out.println(icons.size() - failed + " of " + icons.size() + " icons drawn");
    if (failed > 0) {
      System.exit(1);
    }
  }

  /** The prompts' results, in order: the first drawn with {@code generate}, the rest with {@code generateAsync}. */
  static List<PromptResult> drawIcons(String server, String model) {
    List<PromptResult> icons = new ArrayList<>();
    // snippet: build
    try (IntroSvg introSvg = IntroSvg.builder().server(server).model(model).concurrency(4).build()) {
      // One prompt, blocking:
      PromptResult apple = introSvg.generate(PROMPTS.get(0));
      print(apple);
      icons.add(apple);

      // Four prompts at once, each on its own future:
      List<CompletableFuture<PromptResult>> drawing = new ArrayList<>();
      for (String prompt : PROMPTS.subList(1, PROMPTS.size())) {
        drawing.add(introSvg.generateAsync(prompt));
      }
      for (CompletableFuture<PromptResult> future : drawing) {
        PromptResult icon = future.join();
        print(icon);
        icons.add(icon);
      }
    }
    // end snippet
    return icons;
  }

  // snippet: result
  static void print(PromptResult result) {
    if (result.status() == PromptResult.Status.OK) {
      Candidate kept = result.kept().orElseThrow(); // present whenever the status is OK
      byte[] png = kept.png();                      // the 200x200 render the critic saw
      String svg = kept.svg();
      System.out.printf("OK     %-30s score %.1f, %d bytes of SVG, %d bytes of PNG%n",
          result.description(), kept.score(), svg.length(), png.length);
    } else {
      System.out.printf("FAILED %-30s %s%n", result.description(), result.error());
    }
  }
  // end snippet

  private static boolean hasPng(PromptResult result) {
    return result.status() == PromptResult.Status.OK && result.kept().map(c -> c.png().length > 0).orElse(false);
  }

  private IconApp() {}
}
