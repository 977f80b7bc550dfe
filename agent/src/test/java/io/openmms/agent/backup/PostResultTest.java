package io.openmms.agent.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.agent.backup.PostResult.Outcome;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class PostResultTest {
  @Test
  void everyAnswerOfTheProtocolIsClassified() {
    assertThat(PostResult.of(200, "{\"ack\": 5}")).extracting(PostResult::outcome,
        PostResult::duplicate).containsExactly(Outcome.ACKNOWLEDGED, false);
    assertThat(PostResult.of(200, "{\"ack\": 5, \"duplicate\": true}").duplicate()).isTrue();
    PostResult ooo = PostResult.of(409,
        "{\"error\":409,\"errorCode\":\"OUT_OF_ORDER\",\"detail\":\"x\",\"expectedSeq\":12}");
    assertThat(ooo.outcome()).isEqualTo(Outcome.OUT_OF_ORDER);
    assertThat(ooo.expectedSeq()).isEqualTo(12);
    assertThat(PostResult.of(409, "{\"error\":409,\"errorCode\":\"SYNC_SUPERSEDED\"}").outcome())
        .isEqualTo(Outcome.REASSIGN);
    assertThat(PostResult.of(401, "").outcome()).isEqualTo(Outcome.REASSIGN);
    assertThat(PostResult.of(404, "").outcome()).isEqualTo(Outcome.REASSIGN);
    assertThat(PostResult.of(400, "{\"error\":400,\"errorCode\":\"INVALID_BATCH\",\"detail\":"
        + "\"ts not increasing\"}")).extracting(PostResult::outcome, PostResult::detail)
        .containsExactly(Outcome.REJECTED, "INVALID_BATCH: ts not increasing");
    assertThat(PostResult.of(413, "too big").outcome()).isEqualTo(Outcome.REJECTED);
    for (int status : new int[] {408, 429, 500, 502, 503}) {
      assertThat(PostResult.of(status, "<html>").outcome()).isEqualTo(Outcome.UNAVAILABLE);
    }
    assertThat(PostResult.of(new IOException("refused")).outcome())
        .isEqualTo(Outcome.UNAVAILABLE);
  }
}
