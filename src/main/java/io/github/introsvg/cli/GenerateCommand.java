package io.github.introsvg.cli;

import io.github.introsvg.loop.Candidate;
import io.github.introsvg.loop.PromptResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Run the loop for one description; the kept SVG goes to stdout (or -o FILE), its score to stderr.")
final class GenerateCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "DESCRIPTION", description = "What the icon shows, e.g. \"a red apple\".")
  String description;

  @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Write the SVG here instead of stdout.")
  Path out;

  @Mixin ServerOptions server;
  @ParentCommand Cli cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (description.isBlank()) throw new Failure.UsageException("DESCRIPTION is empty; say what the icon should show");
    var err = spec.commandLine().getErr();
    try (ServerOptions.Session session = server.open(cli.env, 1, err)) {
      PromptResult result = session.introSvg().generate(description);
      if (result.status() == PromptResult.Status.FAILED) {
        err.println("introsvg-client: no icon: " + result.error());
        return ExitCodes.INCOMPLETE;
      }
      Candidate kept = result.kept().orElseThrow();
      if (out == null) {
        spec.commandLine().getOut().println(kept.svg());
      } else {
        write(out, kept.svg());
      }
      err.printf(Locale.ROOT, "score %.1f (candidate %d of %d, %d calls)%s%n", kept.score(), kept.index() + 1, result.candidates().size(),
          result.turns().size(), session.mock() != null ? "; mock server: placeholder art" : "");
      return ExitCodes.OK;
    }
  }

  private static void write(Path file, String svg) {
    try {
      Files.writeString(file, svg);
    } catch (IOException e) {
      throw new UncheckedIOException("can't write " + file + ": " + e.getMessage(), e);
    }
  }
}
