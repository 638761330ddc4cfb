package dev.redismigrate.api.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.io.ByteArrayInputStream;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * A body {@link BodyLimit} has read already is given to JAX-RS as its entity stream: the
 * request has ended, and JAX-RS would otherwise read it as empty.
 */
public class ReadBody {
    private static final String KEY = ReadBody.class.getName();

    static void handOn(RoutingContext context, Buffer body) {
        context.put(KEY, body);
        context.next();
    }

    @ServerRequestFilter(preMatching = true, priority = 0)
    public void entity(ContainerRequestContext request, RoutingContext context) {
        Buffer body = context.get(KEY);
        if (body != null) {
            request.setEntityStream(new ByteArrayInputStream(body.getBytes()));
        }
    }
}
