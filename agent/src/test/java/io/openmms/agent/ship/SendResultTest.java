package io.openmms.agent.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.agent.ship.SendResult.Outcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SendResultTest {

  @ParameterizedTest
  @CsvSource({"200, ACKNOWLEDGED", "202, ACKNOWLEDGED", "204, ACKNOWLEDGED",
      "400, REJECTED", "413, REJECTED", "415, REJECTED", "422, REJECTED",
      "401, REFUSED", "403, REFUSED", "404, REFUSED",
      "408, UNAVAILABLE", "429, UNAVAILABLE", "500, UNAVAILABLE", "502, UNAVAILABLE",
      "503, UNAVAILABLE"})
  void classifiesEveryStatus(int status, Outcome outcome) {
    assertThat(SendResult.of(status, "").outcome()).isEqualTo(outcome);
  }

  @Test
  void theServersErrorDetailIsKeptForTheLog() {
    SendResult r = SendResult.of(400,
        "{\"error\":400,\"errorCode\":\"INVALID_SAMPLE\",\"detail\":\"hostname is missing\"}");
    assertThat(r.detail()).isEqualTo("INVALID_SAMPLE: hostname is missing");
    assertThat(SendResult.of(502, "<html>bad gateway</html>").detail())
        .isEqualTo("<html>bad gateway</html>");
  }

  @Test
  void noResponseIsTransient() {
    for (IOException e : new IOException[] {new ConnectException("refused"),
        new HttpTimeoutException("slow"), new SSLHandshakeException("PKIX path")}) {
      assertThat(SendResult.of(e).outcome()).isEqualTo(Outcome.UNAVAILABLE);
    }
    assertThat(SendResult.of(new SSLHandshakeException("PKIX")).detail())
        .contains("agent.server.tls.ca.file");
  }
}
