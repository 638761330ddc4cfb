package dev.redismigrate.api.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.VertxHttpConfig;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * quarkus.http.limits.max-body-size, answered. Quarkus checks a chunked body (no Content-Length)
 * only while JAX-RS reads it, and then answers 413 without a body, closes the connection at once (a
 * client still sending gets a reset instead of the answer) and logs two stack traces; a declared
 * length over the limit also gets an empty 413 and a closed connection. Here a body declared too
 * large is refused at once, and a chunked body is read first: within the limit it is handed on
 * ({@link ReadBody}); over it, the answer is a 413 with an error body. In both cases the rest is
 * read and dropped so that the client can finish sending and read the answer, up to
 * {@link #DRAIN_BYTES}, after which the connection is closed.
 */
@ApplicationScoped
public class BodyLimit {
    /** what a client may still send after the refusal before the connection is closed */
    static final long DRAIN_BYTES = 64L * 1024 * 1024;
    /** before JAX-RS, after nothing else that reads the body */
    private static final int PRIORITY = 1000;

    private final long limit;

    BodyLimit(VertxHttpConfig http) {
        this.limit = http.limits().maxBodySize().map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
    }

    void register(@Observes Filters filters) {
        filters.register(this::handle, PRIORITY);
    }

    private void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        boolean expectsContinue = request.headers().contains(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true);
        if (declaredLength(request) > limit) {
            // refused without reading; a client waiting for "100 Continue" sends nothing more
            if (expectsContinue) {
                context.response().putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            read(context, true);
            return;
        }
        if (!request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true)
                || request.isEnded()) {
            context.next();
            return;
        }
        if (expectsContinue) {
            context.response().writeContinue();
        }
        read(context, false);
    }

    private void read(RoutingContext context, boolean refused) {
        HttpServerRequest request = context.request();
        Reading reading = new Reading(context);
        if (refused) {
            reading.refuse();
        }
        request.handler(reading::data);
        request.endHandler(ignored -> reading.end());
        request.exceptionHandler(ignored -> { }); // a client that goes away: nothing to answer
        request.resume();
    }

    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaderNames.CONTENT_LENGTH);
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1; // Vert.x refuses such a request itself
        }
    }

    private static void refuse(RoutingContext context, long limit) {
        // the same body as ErrorBody's, written here: this answer is given outside JAX-RS
        String body = "{\"id\":\"request_entity_too_large\",\"message\":\"the request body is larger than "
                + limit / 1024 + " KiB\"}";
        context.response().setStatusCode(413).putHeader("Content-Type", "application/json").end(body);
    }

    /** One body being read. Vert.x calls it on the connection's event loop only. */
    private final class Reading {
        private final RoutingContext context;
        private Buffer body = Buffer.buffer();
        private long dropped;

        Reading(RoutingContext context) {
            this.context = context;
        }

        void data(Buffer chunk) {
            if (body == null) {
                dropped += chunk.length();
                if (dropped > DRAIN_BYTES) {
                    context.request().connection().close();
                }
                return;
            }
            body.appendBuffer(chunk);
            if (body.length() > limit) {
                refuse();
            }
        }

        void refuse() {
            body = null;
            BodyLimit.refuse(context, limit);
        }

        void end() {
            if (body != null) {
                ReadBody.handOn(context, body);
            }
        }
    }
}
