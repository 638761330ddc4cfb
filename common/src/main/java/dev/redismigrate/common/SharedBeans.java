package dev.redismigrate.common;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.TlsTrust;
import dev.redismigrate.common.secret.SecretCipher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * CDI producers of what every service needs: the secret cipher and the Redis connector. Their few
 * settings are read with {@code @ConfigProperty}, the one exception to the services' {@code @ConfigMapping}s:
 * they sit directly under {@code redis-migrate.} (the documented {@code redis-migrate.secret-key}), where a
 * mapping would claim every other key of every service, and common stays free of SmallRye Config.
 */
@ApplicationScoped
public class SharedBeans {

    @Produces
    @Singleton
    SecretCipher secretCipher(@ConfigProperty(name = "redis-migrate.secret-key") String key) {
        return new SecretCipher(key);
    }

    @Produces
    @Singleton
    RedisConnector redisConnector(SecretCipher cipher,
            @ConfigProperty(name = "redis-migrate.tls.ca-file") Optional<String> caFile,
            @ConfigProperty(name = "redis-migrate.redis.connect-timeout", defaultValue = "5s") Duration connectTimeout,
            @ConfigProperty(name = "redis-migrate.redis.command-timeout", defaultValue = "30s") Duration commandTimeout,
            @ConfigProperty(name = "redis-migrate.redis.io-threads", defaultValue = "2") int ioThreads) {
        return new RedisConnector(cipher, TlsTrust.of(caFile.map(Path::of).orElse(null)), connectTimeout, commandTimeout, ioThreads);
    }

    void closeConnector(@Disposes RedisConnector connector) {
        connector.close();
    }
}
