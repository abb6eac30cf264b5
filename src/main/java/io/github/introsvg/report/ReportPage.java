package io.github.introsvg.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.introsvg.internal.Digests;
import io.github.introsvg.internal.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes report.html: one self-contained page, its own CSS and script inline and allowed by hash in a
 * Content-Security-Policy that forbids every other script, style, frame, form and fetch; images come only
 * from files beside it. Every text from the run (ids, descriptions, critiques, errors) is escaped.
 */
final class ReportPage {

  private static final String CSS = resource("report.css");
  private static final String JS = resource("report.js");
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src '" + sha256(CSS)
      + "'; script-src '" + sha256(JS) + "'; base-uri 'none'; form-action 'none'";

  private final StringBuilder html = new StringBuilder(1 << 16);

  /** What the page says about the run as a whole. */
  record RunFacts(String title, String state, Optional<Integer> total, Duration wallTime, String settings,
      long retries, boolean hasRetries) {}

  static String render(RunFacts facts, List<PromptView> prompts, List<JsonNode> invalid, IntrospectionGain gain) {
    ReportPage page = new ReportPage();
    page.write(facts, prompts, invalid, gain);
    return page.html.toString();
  }

  private void write(RunFacts facts, List<PromptView> prompts, List<JsonNode> invalid, IntrospectionGain gain) {
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CONTENT_SECURITY_POLICY).append("\">\n")
        .append("<meta name=\"referrer\" content=\"no-referrer\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(Html.escape(facts.title())).append(" - introsvg report</title>\n")
        .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n");
    overview(facts, prompts, invalid, gain);
    controls();
    html.append("<main>\n<div id=\"prompts\">\n");
    for (int i = 0; i < prompts.size(); i++) prompt(i, prompts.get(i));
    html.append("</div>\n");
    if (!invalid.isEmpty()) invalidRows(invalid);
    html.append("</main>\n<script>").append(JS).append("</script>\n</body>\n</html>\n");
  }

  private void overview(RunFacts facts, List<PromptView> prompts, List<JsonNode> invalid, IntrospectionGain gain) {
    long ok = prompts.stream().filter(p -> p.status().equals("ok")).count();
    long failed = prompts.size() - ok;
    long early = prompts.stream().filter(PromptView::stoppedEarly).count();
    long tokens = prompts.stream().mapToLong(PromptView::tokens).sum();
    long calls = prompts.stream().mapToLong(PromptView::calls).sum();
    html.append("<header class=\"run\">\n<h1>").append(Html.escape(facts.title())).append("</h1>\n")
        .append("<div class=\"muted\">").append(Html.escape(facts.state())).append(" &middot; ")
        .append(Html.escape(facts.settings())).append("</div>\n<div class=\"facts\">\n");
    fact("prompts done", prompts.size() + facts.total().map(t -> " of " + t).orElse(""));
    fact("ok", Long.toString(ok));
    fact("failed", Long.toString(failed));
    if (!invalid.isEmpty()) fact("invalid rows", Integer.toString(invalid.size()));
    fact("mean gain", Scores.signed(gain.meanGain()));
    fact("improved / unchanged / worse", gain.improved() + " / " + gain.unchanged() + " / " + gain.worse());
    fact("stopped early", Long.toString(early));
    fact("calls", Long.toString(calls));
    fact("tokens", String.format(Locale.ROOT, "%,d", tokens));
    fact("wall time", Durations.clock(facts.wallTime()));
    if (facts.hasRetries()) fact("retries", Long.toString(facts.retries()));
    html.append("</div>\n<div class=\"panels\">\n");
    histogram(prompts);
    rounds(gain);
    failures(prompts);
    html.append("</div>\n</header>\n");
  }

  private void fact(String label, String value) {
    html.append("<div class=\"fact\"><b>").append(Html.escape(value)).append("</b>").append(Html.escape(label)).append("</div>\n");
  }

  /** Drafts' and kept candidates' scores in ten bins, as an SVG bar chart made of numbers only. */
  private void histogram(List<PromptView> prompts) {
    int[] drafts = new int[10];
    int[] kept = new int[10];
    for (PromptView p : prompts) {
      if (!Double.isNaN(p.draftScore())) drafts[bin(p.draftScore())]++;
      if (p.status().equals("ok") && !Double.isNaN(p.keptScore())) kept[bin(p.keptScore())]++;
    }
    int most = 1;
    for (int i = 0; i < 10; i++) most = Math.max(most, Math.max(drafts[i], kept[i]));
    int height = 120;
    html.append("<div class=\"panel\"><h2>Score distribution: drafts <span class=\"muted\">(grey)</span> vs kept")
        .append(" <span class=\"muted\">(green)</span></h2>\n")
        .append("<svg class=\"chart\" width=\"440\" height=\"").append(height + 36).append("\" role=\"img\"")
        .append(" aria-label=\"score histogram\">\n");
    for (int i = 0; i < 10; i++) {
      int x = 8 + i * 43;
      bar("draft", x, drafts[i], most, height);
      bar("kept", x + 18, kept[i], most, height);
      html.append("<text x=\"").append(x + 4).append("\" y=\"").append(height + 30).append("\">")
          .append(i).append('-').append(i + 1).append("</text>\n");
    }
    html.append("</svg></div>\n");
  }

  private void bar(String kind, int x, int count, int most, int height) {
    int h = count == 0 ? 0 : Math.max(2, count * height / most);
    html.append("<rect class=\"").append(kind).append("\" x=\"").append(x).append("\" y=\"").append(height + 14 - h)
        .append("\" width=\"16\" height=\"").append(h).append("\"><title>").append(kind).append(": ").append(count)
        .append("</title></rect>");
    if (count > 0) {
      html.append("<text x=\"").append(x).append("\" y=\"").append(height + 11 - h).append("\">").append(count).append("</text>");
    }
    html.append('\n');
  }

  private static int bin(double score) {
    return Math.max(0, Math.min(9, (int) Math.floor(score)));
  }

  private void rounds(IntrospectionGain gain) {
    html.append("<div class=\"panel\"><h2>Mean score per round</h2>\n<table>\n")
        .append("<tr><th>candidate</th><th class=\"n\">mean</th><th class=\"n\">scored</th></tr>\n");
    for (int i = 0; i < gain.meanScoreByRound().size(); i++) {
      html.append("<tr><td>").append(candidateName(i)).append("</td><td class=\"n\">")
          .append(Scores.format(gain.meanScoreByRound().get(i))).append("</td><td class=\"n\">")
          .append(gain.scoredByRound().get(i)).append("</td></tr>\n");
    }
    html.append("</table>\n<p class=\"muted\">kept minus draft over ").append(gain.compared()).append(" prompts: mean ")
        .append(Scores.signed(gain.meanGain())).append("; improved ").append(percent(gain.share(IntrospectionGain.Change.IMPROVED)))
        .append(", unchanged ").append(percent(gain.share(IntrospectionGain.Change.UNCHANGED)))
        .append(", worse ").append(percent(gain.share(IntrospectionGain.Change.WORSE))).append("</p></div>\n");
  }

  /** Failed prompts grouped by the first clause of their error ("no usable draft in 3 attempts"). */
  private void failures(List<PromptView> prompts) {
    Map<String, Integer> reasons = new LinkedHashMap<>();
    for (PromptView p : prompts) {
      if (p.status().equals("ok")) continue;
      String reason = p.error().isEmpty() ? "no reason recorded" : p.error();
      int colon = reason.indexOf(": ");
      reasons.merge(colon > 0 ? reason.substring(0, colon) : reason, 1, Integer::sum);
    }
    html.append("<div class=\"panel\"><h2>Failure reasons</h2>\n");
    if (reasons.isEmpty()) {
      html.append("<p class=\"muted\">none</p>");
    } else {
      html.append("<table>\n");
      reasons.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).forEach(e ->
          html.append("<tr><td class=\"n\">").append(e.getValue()).append("</td><td>").append(Html.escape(e.getKey()))
              .append("</td></tr>\n"));
      html.append("</table>");
    }
    html.append("</div>\n");
  }

  private void controls() {
    // Hidden until the script runs: without it every prompt shows, unfiltered.
    html.append("<div id=\"controls\" hidden>\n")
        .append("<label>Show <select id=\"show\"><option value=\"all\">all</option><option value=\"failed\">failed</option>")
        .append("<option value=\"improved\">improved</option><option value=\"worse\">got worse</option>")
        .append("<option value=\"unchanged\">unchanged</option><option value=\"early\">stopped early</option></select></label>\n")
        .append("<label>kept score from <input id=\"min\" type=\"number\" min=\"0\" max=\"10\" step=\"0.1\">")
        .append(" to <input id=\"max\" type=\"number\" min=\"0\" max=\"10\" step=\"0.1\"></label>\n")
        .append("<label>Sort by <select id=\"sort\"><option value=\"id\">id</option>")
        .append("<option value=\"finished\">finishing order</option>")
        .append("<option value=\"kept-desc\">kept score, highest first</option><option value=\"kept-asc\">kept score, lowest first</option>")
        .append("<option value=\"gain-desc\">gain, highest first</option><option value=\"gain-asc\">gain, lowest first</option>")
        .append("</select></label>\n<span id=\"count\" class=\"muted\"></span>\n</div>\n");
  }

  private void prompt(int n, PromptView p) {
    String change = p.gain().isPresent() ? IntrospectionGain.change(p.gain().getAsDouble()).name().toLowerCase(Locale.ROOT) : "";
    html.append("<section class=\"prompt\" data-n=\"").append(n).append("\" data-id=\"").append(Html.escape(p.id()))
        .append("\" data-status=\"").append(Html.escape(p.status())).append("\" data-change=\"").append(change)
        .append("\" data-early=\"").append(p.stoppedEarly() ? 1 : 0).append("\" data-kept=\"")
        .append(p.status().equals("ok") && !Double.isNaN(p.keptScore()) ? Scores.format(p.keptScore()) : "")
        .append("\" data-gain=\"").append(p.gain().isPresent() ? Scores.format(p.gain().getAsDouble()) : "").append("\">\n")
        .append("<h3><span class=\"id\">").append(Html.escape(p.id())).append("</span>")
        .append("<span class=\"badge ").append(p.status().equals("ok") ? "ok" : "failed").append("\">")
        .append(Html.escape(p.status())).append("</span>");
    if (p.gain().isPresent()) {
      html.append("<span class=\"badge").append(change.equals("worse") ? " worse" : "").append("\">")
          .append(Scores.format(p.draftScore())).append(" &rarr; ").append(Scores.format(p.keptScore()))
          .append(" (").append(Scores.signed(p.gain().getAsDouble())).append(")</span>");
    }
    if (p.stoppedEarly()) html.append("<span class=\"badge\">stopped early</span>");
    html.append("</h3>\n<p class=\"desc\">").append(Html.escape(p.description())).append("</p>\n")
        .append("<p class=\"why\">").append(Html.escape(p.keptBecause())).append("</p>\n<div class=\"candidates\">\n");
    for (PromptView.CandidateView c : p.candidates()) candidate(p, c);
    html.append("</div>\n");
    if (!p.failedTurns().isEmpty()) {
      html.append("<details class=\"attempts\"><summary>").append(p.failedTurns().size())
          .append(p.failedTurns().size() == 1 ? " failed attempt" : " failed attempts").append("</summary><ul>\n");
      for (PromptView.FailedTurn t : p.failedTurns()) {
        html.append("<li>").append(Html.escape(t.label())).append(" attempt ").append(t.attempt()).append(": ")
            .append(Html.escape(t.outcome())).append(t.detail().isEmpty() ? "" : " - ").append(Html.escape(t.detail()))
            .append("</li>\n");
      }
      html.append("</ul></details>\n");
    }
    html.append("<div class=\"muted\">").append(p.calls()).append(p.calls() == 1 ? " call, " : " calls, ")
        .append(String.format(Locale.ROOT, "%,d", p.tokens())).append(" tokens, ")
        .append(String.format(Locale.ROOT, "%.1f s", p.elapsedMillis() / 1000.0)).append("</div>\n</section>\n");
  }

  private void candidate(PromptView p, PromptView.CandidateView c) {
    boolean kept = c.index() == p.kept() && p.status().equals("ok");
    html.append("<figure class=\"candidate").append(kept ? " kept" : "").append("\">");
    if (c.image().isEmpty()) {
      html.append("<div class=\"noimage\">no image</div>");
    } else {
      html.append("<img loading=\"lazy\" decoding=\"async\" width=\"200\" height=\"200\" src=\"").append(Html.escape(c.image()))
          .append("\" alt=\"").append(candidateName(c.index())).append(" of ").append(Html.escape(p.id())).append("\">");
    }
    html.append("<figcaption><b>").append(c.index() + 1).append(" &middot; ").append(candidateName(c.index()))
        .append(" &middot; ").append(Double.isNaN(c.score()) ? "not scored" : "score " + Scores.format(c.score()))
        .append(kept ? " &middot; kept" : "").append("</b>").append(c.imageIsSvg() ? " <span class=\"muted\">(SVG)</span>" : "")
        .append("</figcaption>");
    if (!c.critique().isEmpty() || !c.suggestions().isEmpty()) {
      html.append("<details><summary>critique</summary><p>").append(Html.escape(c.critique()))
          .append("</p><p><b>Suggestions</b>\n").append(Html.escape(c.suggestions())).append("</p></details>");
    }
    html.append("</figure>\n");
  }

  private void invalidRows(List<JsonNode> invalid) {
    html.append("<section class=\"panel\" id=\"invalid\"><h2>Invalid rows (not run)</h2>\n<table>\n");
    for (JsonNode row : invalid) {
      html.append("<tr><td class=\"n\">line ").append(row.path("line").asLong()).append("</td><td class=\"id\">")
          .append(Html.escape(row.path("id").asText())).append("</td><td>").append(Html.escape(row.path("error").asText()))
          .append("</td></tr>\n");
    }
    html.append("</table></section>\n");
  }

  private static String candidateName(int index) {
    return index == 0 ? "draft" : "refinement " + index;
  }

  private static String percent(double share) {
    return Math.round(share * 100) + "%";
  }

  private static String resource(String name) {
    try (InputStream in = ReportPage.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(String inline) {
    return "sha256-" + Base64.getEncoder().encodeToString(Digests.sha256(inline));
  }
}
