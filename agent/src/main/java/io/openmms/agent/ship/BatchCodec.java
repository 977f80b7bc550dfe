package io.openmms.agent.ship;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.util.Json;
import io.openmms.common.wire.MonitoringBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** The bytes of a batch on disk and on the wire: gzip-compressed JSON of {@link MonitoringBatch}. */
public final class BatchCodec {
  private BatchCodec() {}

  public static byte[] encode(MonitoringBatch batch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      Json.mapper().writeValue(gz, batch);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static MonitoringBatch decode(byte[] gzipped) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      return Json.mapper().readValue(in, MonitoringBatch.class);
    }
  }

  /** The number of samples in an encoded batch, without binding them; 0 if unreadable. */
  public static int countSamples(byte[] gzipped) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      JsonNode samples = Json.mapper().readTree(in).get("samples");
      return samples == null ? 0 : samples.size();
    } catch (IOException e) {
      return 0;
    }
  }
}
