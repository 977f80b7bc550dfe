package io.openmms.agent.ship;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends spooled batches to the service oldest-first, one at a time, removing each only after
 * the service acknowledged it. So batches arrive in order; a batch is sent again only if the
 * agent stops between the acknowledgement and the delete (the service deduplicates samples by
 * host and timestamp). While the service is unavailable or refuses the agent's credentials the
 * same batch is retried with bounded exponential backoff and newer batches wait in the spool;
 * a batch the service rejects as malformed is moved aside so later ones still flow.
 *
 * <p>Logs each change of state once (first failure, refusal, recovery) rather than every retry.
 * Runs on one thread ({@link #run}) until interrupted; counters may be read from any thread.
 */
public final class BatchSender implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchSender.class);

  private final Spool spool;
  private final MonitoringClient client;
  private final Backoff backoff;
  private final Clock clock;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private SendResult.Outcome failing;
  private long failingSinceMs;

  public BatchSender(Spool spool, MonitoringClient client, Duration retryInitial,
      Duration retryMax, Clock clock) {
    this.spool = spool;
    this.client = client;
    this.backoff = new Backoff(retryInitial, retryMax);
    this.clock = clock;
  }

  @Override
  public void run() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Spool.Entry entry = spool.awaitOldest(1, TimeUnit.SECONDS);
        if (entry != null) {
          sendOne(entry);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends one batch, and on failure waits the backoff before returning. */
  void sendOne(Spool.Entry entry) throws InterruptedException {
    byte[] body;
    try {
      body = spool.read(entry);
    } catch (IOException e) {
      LOG.error("Cannot read spooled batch {}; moving it to {}", entry.file(),
          spool.rejectedDir(), e);
      spool.reject(entry);
      return;
    }
    if (body == null) {
      return; // dropped because the spool was full
    }
    SendResult result = client.send(body);
    switch (result.outcome()) {
      case ACKNOWLEDGED -> {
        spool.acknowledge(entry);
        sent.incrementAndGet();
        recovered();
      }
      case REJECTED -> {
        spool.reject(entry);
        rejected.incrementAndGet();
        LOG.error("The service rejected batch {} as invalid (HTTP {}: {}); it is kept in {} and "
            + "not resent", entry.seq(), result.status(), result.detail(), spool.rejectedDir());
        recovered();
      }
      case REFUSED, UNAVAILABLE -> {
        failed(result);
        Thread.sleep(backoff.next().toMillis());
      }
    }
  }

  private void failed(SendResult result) {
    if (failing == result.outcome()) {
      return;
    }
    if (failing == null) {
      failingSinceMs = clock.millis();
    }
    failing = result.outcome();
    if (result.outcome() == SendResult.Outcome.REFUSED) {
      LOG.error("The service at {} refused the agent (HTTP {}: {}). Check agent.group.id and "
          + "agent.api.key{}; samples are kept in the spool and sending is retried",
          client.endpoint(), result.status(), result.detail(),
          result.status() == 401 || result.status() == 403 ? "" : " and agent.server.url");
    } else {
      LOG.warn("Cannot send samples to {} ({}); keeping them in the spool and retrying",
          client.endpoint(), result.detail());
    }
  }

  private void recovered() {
    backoff.reset();
    if (failing != null) {
      LOG.info("Sending to {} works again after {} s; {} batches waiting in the spool",
          client.endpoint(), (clock.millis() - failingSinceMs) / 1000, spool.size());
      failing = null;
    }
  }

  /** Batches the service acknowledged. */
  public long sentBatches() {
    return sent.get();
  }

  /** Batches the service rejected as invalid. */
  public long rejectedBatches() {
    return rejected.get();
  }
}
