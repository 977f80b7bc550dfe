package io.openmms.agent.ship;

import io.openmms.common.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * An {@link SSLContext} that trusts the JDK's default CAs plus the CA certificates of a PEM file.
 * Verification is otherwise unchanged: chains must lead to a trusted CA and host names must match.
 */
public final class PemTrust {
  private PemTrust() {}

  /**
   * @param pem PEM file with one or more {@code CERTIFICATE} blocks
   * @param key the setting that named the file, for the error message
   */
  public static SSLContext sslContext(Path pem, String key) {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(pem)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | CertificateException e) {
      throw new ConfigException("Cannot read CA certificates from " + pem + " (" + key + "): "
          + e.getMessage());
    }
    if (certs.isEmpty()) {
      throw new ConfigException(key + ": " + pem + " contains no PEM certificate");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      X509TrustManager extra = trustManager(store);
      X509TrustManager jdk = trustManager(null);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new Either(extra, jdk)}, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("Cannot set up TLS trust from " + pem, e);
    }
  }

  private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory f = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    for (TrustManager tm : f.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509TrustManager");
  }

  /** Trusts a chain that either manager trusts. */
  private record Either(X509TrustManager first, X509TrustManager second)
      implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        first.checkClientTrusted(chain, authType);
      } catch (CertificateException e) {
        second.checkClientTrusted(chain, authType);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        first.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        second.checkServerTrusted(chain, authType);
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
      all.addAll(List.of(second.getAcceptedIssuers()));
      return all.toArray(X509Certificate[]::new);
    }
  }
}
