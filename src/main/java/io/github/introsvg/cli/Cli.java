package io.github.introsvg.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The command line: parses, runs one subcommand, and maps any failure to one line and an exit code. */
@Command(
    name = "introsvg-client",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    description = "Runs IntroSVG's generate -> render -> critique -> refine loop against lmdeploy.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:everything asked for was produced",
        "1:run finished, but some prompts failed or rows were invalid",
        "2:bad command line or input file",
        "3:server unreachable or failing after every retry for --max-outage (resumable)",
        "4:server refused (API key, unknown model, rejected request)",
        "5:an output file could not be written",
        "6:render: the SVG could not be rendered",
        "70:internal error",
        "75:OUT is in use by another run",
        "130:interrupted"})
final class Cli implements Runnable {

  /**
   * The subcommands by name, in the order help lists them. Only the one named on the command line gets a picocli
   * model (all of them for help, errors and no command): each is built by reflection, and building only one took
   * 22 ms off the time to the first request (docs/performance.md, "Startup"). The names are written out rather than
   * read from each {@code @Command}, which would parse seven annotations at every start; {@code CliTest} checks
   * that they agree.
   */
  static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

  private static Map<String, Class<?>> subcommands() {
    Map<String, Class<?>> byName = new LinkedHashMap<>();
    byName.put("run", RunCommand.class);
    byName.put("report", ReportCommand.class);
    byName.put("generate", GenerateCommand.class);
    byName.put("bench", BenchCommand.class);
    byName.put("mock-server", MockServerCommand.class);
    byName.put("render", RenderCommand.class);
    byName.put("help", CommandLine.HelpCommand.class);
    return Collections.unmodifiableMap(byName);
  }

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Debug logging and stack traces.")
  boolean verbose;

  @Spec CommandSpec spec;

  Map<String, String> env = Map.of();

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: one of "
        + String.join(", ", spec.subcommands().keySet()));
  }

  /** Runs the command line with the given streams and environment and returns the exit code. */
  static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
    Cli cli = new Cli();
    cli.env = Map.copyOf(env);
    CommandLine line = new CommandLine(cli);
    String named = "";
    for (String arg : args) {
      if (!arg.startsWith("-")) {
        named = arg;
        break;
      }
    }
    boolean all = !SUBCOMMANDS.containsKey(named) || named.equals("help");
    for (Map.Entry<String, Class<?>> command : SUBCOMMANDS.entrySet()) {
      if (all || command.getKey().equals(named)) line.addSubcommand(command.getKey(), command.getValue());
    }
    // After the subcommands are added: these settings reach only the subcommands present when they are made.
    line.setOut(out)
        .setErr(err)
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
          Failure failure = Failure.of(e);
          err.println("introsvg-client: " + failure.message());
          if (cli.verbose) e.printStackTrace(err);
          err.flush();
          return failure.exitCode();
        })
        .setParameterExceptionHandler((e, args2) -> {
          err.println("introsvg-client: " + e.getMessage());
          err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          err.flush();
          return ExitCodes.USAGE;
        });
    int code = line.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The version Maven built, from a resource it filled in; "dev" only when run from unbuilt sources. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"introsvg-client " + number()};
    }

    static String number() {
      Properties p = new Properties();
      try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
        if (in != null) p.load(in);
      } catch (IOException e) {
        // fall through to "dev"
      }
      String v = p.getProperty("version", "");
      return v.isEmpty() || v.startsWith("${") ? "dev" : v;
    }
  }
}
