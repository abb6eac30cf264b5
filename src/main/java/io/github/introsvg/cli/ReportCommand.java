package io.github.introsvg.cli;

import io.github.introsvg.report.HtmlReport;
import io.github.introsvg.report.IntrospectionGain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Write OUT/report.html again from OUT's results.jsonl and files: every prompt's rounds side by side,"
        + " and what introspection gained. Works for a finished run, one in progress and one that was interrupted.")
final class ReportCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "OUT", description = "Output directory of a run.")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (!Files.exists(out)) throw new Failure.UsageException(out + ": does not exist; give the output directory of a run");
    if (!Files.isDirectory(out)) throw new Failure.UsageException(out + ": is not a directory; give the output directory of a run");
    Path report;
    try {
      report = HtmlReport.write(out);
    } catch (IllegalArgumentException e) {
      throw new Failure.UsageException(e.getMessage() + "; give the output directory of a run");
    }
    var err = spec.commandLine().getErr();
    err.print(IntrospectionGain.of(out).table());
    err.flush();
    spec.commandLine().getOut().println(report);
    return ExitCodes.OK;
  }
}
