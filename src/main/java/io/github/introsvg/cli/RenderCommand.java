package io.github.introsvg.cli;

import io.github.introsvg.internal.batch.FileProblems;
import io.github.introsvg.internal.render.IsolatedRenderer;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "render", mixinStandardHelpOptions = true,
    description = "Render an SVG exactly as the critic sees it: 200x200 PNG on opaque white.")
final class RenderCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "IN.svg")
  Path in;

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT.png")
  Path out;

  @Override
  public Integer call() {
    String svg;
    try {
      svg = Files.readString(in, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new Failure.UsageException(in + ": does not exist; give the path of an SVG file");
    } catch (MalformedInputException e) {
      throw new Failure.UsageException(in + ": is not UTF-8 text; give an SVG file");
    } catch (IOException e) {
      throw new Failure.UsageException(in + ": can't be read (" + FileProblems.cause(in, e) + ")");
    }
    byte[] png;
    // In a worker process, as in a run: a hostile file costs at most the timeout, never this JVM's heap.
    try (IsolatedRenderer renderer = IsolatedRenderer.builder().workers(1).build()) {
      png = renderer.renderPng(svg);
    }
    try {
      Files.write(out, png);
    } catch (IOException e) {
      throw FileProblems.problem("write", out, e);
    }
    return ExitCodes.OK;
  }
}
