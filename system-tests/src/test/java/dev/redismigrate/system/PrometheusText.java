package dev.redismigrate.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/** One scrape of a service's /q/metrics, in Prometheus' text format. */
final class PrometheusText {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String text;

    private PrometheusText(String text) {
        this.text = text;
    }

    static PrometheusText scrape(ServiceProcess service) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError(service.baseUrl() + "/q/metrics answered " + response.statusCode());
            }
            return new PrometheusText(response.body());
        } catch (IOException e) {
            throw new AssertionError("cannot scrape " + service.baseUrl(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The value of the series of this name whose labels include label="value", if there is one. */
    OptionalDouble value(String name, String label, String value) {
        return values(name, label, value).stream().mapToDouble(Double::doubleValue).findFirst();
    }

    /** The values of every series of this name whose labels include label="value" (e.g. one per shard). */
    java.util.List<Double> values(String name, String label, String value) {
        String wanted = label + "=\"" + value + "\"";
        return text.lines()
                .filter(line -> line.startsWith(name + "{") && line.substring(0, line.indexOf('}') + 1).contains(wanted))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .toList();
    }

    /** As {@link #value} but 0 when the series is not there (yet). */
    double valueOrZero(String name, String label, String value) {
        return value(name, label, value).orElse(0);
    }

    boolean has(String name) {
        return text.lines().anyMatch(line -> line.startsWith(name + "{") || line.startsWith(name + " "));
    }
}
