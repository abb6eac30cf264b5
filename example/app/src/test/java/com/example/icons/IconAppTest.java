package com.example.icons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.mock.RecordedRequest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** IconApp against the library's mock lmdeploy server, started once for the class as a fixture. */
@Timeout(60)
class IconAppTest {

  // snippet: fixture
  private static MockLmdeployServer lmdeploy;

  @BeforeAll
  static void startMockLmdeploy() {
    lmdeploy = MockLmdeployServer.builder().seed(1).start(); // 127.0.0.1, a free port, no GPU
  }

  @AfterAll
  static void stopMockLmdeploy() {
    lmdeploy.close();
  }

  @Test
  void drawsEveryPromptWithAPng() {
    List<PromptResult> icons = IconApp.drawIcons(lmdeploy.baseUrl(), lmdeploy.model());

    assertEquals(IconApp.PROMPTS, icons.stream().map(PromptResult::description).toList());
    for (PromptResult icon : icons) {
      assertEquals(PromptResult.Status.OK, icon.status(), icon.error());
      byte[] png = icon.kept().orElseThrow().png();
      assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG for " + icon.description());
    }
    List<RecordedRequest> chats = lmdeploy.requests().stream()
        .filter(request -> request.path().equals("/v1/chat/completions")).toList();
    assertTrue(chats.size() >= 2 * IconApp.PROMPTS.size(), "a draft and a critique per prompt at least");
  }
  // end snippet
}
