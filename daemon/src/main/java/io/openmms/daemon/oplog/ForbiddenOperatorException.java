package io.openmms.daemon.oplog;

import org.bson.BsonTimestamp;

/**
 * An update entry carries a client update operator such as {@code $inc} or {@code $push}. Real
 * MongoDB never logs these (it logs {@code $set}/{@code $unset} or a {@code $v: 2} diff), so such
 * an entry comes from a non-conforming source (mongo-java-server's oplog does this, SPEC §8) and is
 * refused rather than interpreted.
 */
public final class ForbiddenOperatorException extends OplogApplyException {
  private final String operator;

  ForbiddenOperatorException(BsonTimestamp ts, String ns, String operator) {
    super(ts, ns, "update operator " + operator + " is not an oplog form (MongoDB logs only $set/$unset"
        + " or a $v:2 diff); refusing to apply it", null);
    this.operator = operator;
  }

  public String operator() {
    return operator;
  }
}
