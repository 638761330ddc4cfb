package dev.redismigrate.common.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Which servers a TLS connection trusts: the JVM's default authorities, or the CA certificates of
 * a PEM file from configuration (a private CA, as managed Redis services and on-premise servers use).
 */
public final class TlsTrust {
    private final TrustManagerFactory trustManagers;
    private final SSLContext context;

    private TlsTrust(TrustManagerFactory trustManagers) throws GeneralSecurityException {
        this.trustManagers = trustManagers;
        this.context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
    }

    /** @param caFile a PEM file with one or more CA certificates, or null for the JVM's defaults */
    public static TlsTrust of(Path caFile) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caFile == null) {
                tmf.init((KeyStore) null);
                return new TlsTrust(tmf);
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            try (InputStream in = Files.newInputStream(caFile)) {
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + n++, certificate);
                }
            }
            if (n == 0) {
                throw new IllegalArgumentException("no certificate in the CA file " + caFile);
            }
            tmf.init(store);
            return new TlsTrust(tmf);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the CA file " + caFile + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the CA file " + caFile + " holds no usable certificate: " + e.getMessage());
        }
    }

    public TrustManagerFactory trustManagers() {
        return trustManagers;
    }

    public SSLContext context() {
        return context;
    }
}
