package io.openmms.daemon.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;

/** The per-collection sums a restore verifies with: in order (manifest) and order-free (target). */
class DocumentSumTest {
  private static final List<RawBsonDocument> DOCS = List.of(raw("{_id: 1, a: 'x'}"),
      raw("{_id: 2, b: [1, 2]}"), raw("{_id: 3}"));

  @Test
  void inOrderIsTheSha256OfTheDocumentsBytesOneAfterAnother() throws Exception {
    DocumentSum sum = DocumentSum.inOrder();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (RawBsonDocument d : DOCS) {
      sum.add(d);
      all.write(d.getBackingArray(), d.getByteOffset(), d.getByteLength());
    }

    assertThat(sum.count()).isEqualTo(3);
    assertThat(sum.sha256()).isEqualTo(HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(all.toByteArray())));
    assertThatThrownBy(sum::unorderedDigest).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void orderFreeIsTheSameInAnyOrderAndDiffersForOtherDocuments() {
    DocumentSum forward = DocumentSum.orderFree();
    DOCS.forEach(forward::add);
    DocumentSum backward = DocumentSum.orderFree();
    DOCS.reversed().forEach(backward::add);
    DocumentSum fewer = DocumentSum.orderFree();
    DOCS.subList(0, 2).forEach(fewer::add);

    assertThat(backward.unorderedDigest()).isEqualTo(forward.unorderedDigest()).hasSize(64);
    assertThat(fewer.unorderedDigest()).isNotEqualTo(forward.unorderedDigest());
    assertThat(backward.count()).isEqualTo(3);
    assertThatThrownBy(forward::sha256).isInstanceOf(IllegalStateException.class);
  }

  private static RawBsonDocument raw(String json) {
    return new RawBsonDocument(BsonDocument.parse(json), new BsonDocumentCodec());
  }
}
