package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * What an operator sees of a migration: the dashboard in a real headless Chromium, and the
 * per-migration figures in /q/metrics of each of the three services; a cluster source's shards in both. One class, so the services
 * start once for both.
 */
class DashboardBrowserTest {
    static final Path SCREENSHOT = ServiceProcess.ROOT.resolve("system-tests/target/dashboard.png");
    static final String SOURCE_PASSWORD = "dash-source-pw";
    static final String TARGET_PASSWORD = "dash-target-pw";

    // gauges read from PostgreSQL every second rather than five: the test waits less
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(1, 1, Map.of("redis-migrate.metrics.refresh-every", "1s"));

    @Test
    void startsWatchesAndStopsAMigrationFromTheDashboard() {
        try (RedisServer source = RedisServer.start("--requirepass", SOURCE_PASSWORD);
             RedisServer target = RedisServer.start("--requirepass", TARGET_PASSWORD);
             Browser browser = Browser.start(1366, 900)) {
            source.cliPipe("DEBUG POPULATE 30000 bulk 64\nSELECT 1\nSET db1:key v\n");
            browser.open(RUN.service().api().baseUrl() + "/");

            // the page loads without a token; the API refuses a wrong one
            browser.type("token", "not-the-token");
            browser.click("connect");
            browser.await(Duration.ofSeconds(10), "the refusal of a wrong token",
                    () -> browser.text("token-error").contains("refused"));
            browser.type("token", MigrationService.TOKEN);
            browser.click("connect");
            browser.await(Duration.ofSeconds(10), "the board", () -> browser.visible("board"));

            // register the target from the form
            if (browser.attribute("register", "open") == null) {
                browser.click("register-summary");
            }
            browser.type("target-name", "dashboard-target");
            browser.type("target-host", target.host());
            browser.type("target-port", Integer.toString(target.port()));
            browser.type("target-username", "default");
            browser.type("target-password", TARGET_PASSWORD);
            browser.click("register-target");
            browser.await(Duration.ofSeconds(15), "the target registered and chosen",
                    () -> browser.text("form-message").contains("registered")
                            && !browser.attribute("target-select", "value").isEmpty());
            assertEquals("", browser.attribute("target-password", "value"), "the password field is emptied once sent");

            // the preflight check: every check passes
            browser.type("source-host", source.host());
            browser.type("source-port", Integer.toString(source.port()));
            browser.type("source-password", SOURCE_PASSWORD);
            browser.click("check");
            browser.await(Duration.ofSeconds(15), "the check report",
                    () -> browser.text("form-message").startsWith("All checks pass"));
            List<String> checks = browser.find("check-result").findElements(By.cssSelector("li.ok")).stream()
                    .map(WebElement::getText).toList();
            assertTrue(checks.stream().anyMatch(c -> c.startsWith("source ") && c.contains("Redis")), checks.toString());
            assertTrue(checks.stream().anyMatch(c -> c.startsWith("versions ")), checks.toString());

            // start: the new migration is selected, its snapshot bar reaches 100 %, then it syncs
            browser.click("start");
            browser.await(Duration.ofSeconds(15), "the migration started",
                    () -> browser.text("form-message").contains("started"));
            String migrationId = browser.text("form-message").replaceAll("^Migration (\\S+) started\\.$", "$1");
            browser.await(Duration.ofSeconds(10), "its row, selected",
                    () -> !browser.find("migration-rows")
                            .findElements(By.cssSelector("tr.selected[data-migration-id='" + migrationId + "']")).isEmpty());
            browser.await(Duration.ofSeconds(90), "the snapshot bar at 100 %",
                    () -> "100".equals(browser.attribute("detail-progress", "aria-valuenow")));
            assertEquals("30,001 / 30,001", browser.text("detail-keys"));
            browser.await(Duration.ofSeconds(60), "status syncing", () -> "syncing".equals(browser.text("detail-status")));
            browser.await(Duration.ofSeconds(20), "the lag charted",
                    () -> !browser.find("lag-chart").findElements(By.cssSelector("path.line")).isEmpty()
                            && !"—".equals(browser.text("detail-lag")));
            browser.await(Duration.ofSeconds(10), "the stream's start among the events",
                    () -> browser.text("events").contains("STREAM_STARTED"));

            // a full verification from the dashboard, its verdict shown
            assertEquals("not verified", browser.text("verify-verdict"));
            browser.click("verify");
            browser.await(Duration.ofSeconds(120), "the verdict", () -> "equal".equals(browser.text("verify-verdict")));
            assertTrue(browser.text("verify-summary").contains("30,001 keys checked"), browser.text("verify-summary"));
            browser.screenshot(SCREENSHOT);

            // stop, behind a confirmation
            browser.click("stop");
            browser.await(Duration.ofSeconds(5), "the confirmation", () -> browser.visible("stop-dialog"));
            assertEquals("syncing", RUN.service().http().get("/v2/migrations/{id}", migrationId).jsonPath().getString("status"),
                    "nothing stopped before the confirmation");
            browser.click("stop-confirm");
            browser.await(Duration.ofSeconds(15), "status canceled", () -> "canceled".equals(browser.text("detail-status")));
            assertFalse(browser.visible("stop"), "no stop button for an ended migration");
            assertEquals("canceled", RUN.service().http().get("/v2/migrations/{id}", migrationId).jsonPath().getString("status"));

            String page = browser.pageSource();
            assertFalse(page.contains(SOURCE_PASSWORD) || page.contains(TARGET_PASSWORD), "no password on the page");
        }
    }

    @Test
    void everyServiceShowsTheFiguresOfTheMigrationItWorksOn() throws Exception {
        try (RedisServer source = RedisServer.start();
             RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 20000 bulk 64\n");
            String databaseId = RUN.service().http().body(Map.of("name", "metrics-target", "engine", "redis",
                            "connection", Map.of("host", target.host(), "port", target.port(), "ssl", false)))
                    .post("/v2/databases").then().statusCode(201).extract().path("database.id");
            String id;
            try (SourceWriter writer = new SourceWriter(source)) {
                id = RUN.service().http().body(Map.of("source", Map.of("host", source.host(), "port", source.port()),
                                "disable_ssl", true))
                        .put("/v2/databases/{id}/online-migration", databaseId)
                        .then().statusCode(200).extract().path("id");
                Await.until(Duration.ofSeconds(90), () -> {
                    JsonPath migration = RUN.service().onlineMigration(databaseId);
                    if ("error".equals(migration.getString("status"))) { // no use waiting on
                        throw new AssertionError("the migration failed: " + migration.getString("error"));
                    }
                    return "syncing".equals(migration.getString("status"));
                }, () -> "syncing: " + RUN.service().onlineMigration(databaseId).prettify());

                // the snapshot worker: what it copied, every key
                ServiceProcess snapshot = RUN.service().snapshotWorkers.get(0);
                PrometheusText copied = PrometheusText.scrape(snapshot);
                assertTrue(copied.valueOrZero("redis_migrate_worker_keys_copied_total", "migration", id) >= 20_000,
                        "keys copied on " + snapshot.baseUrl());
                assertTrue(copied.valueOrZero("redis_migrate_worker_bytes_copied_total", "migration", id) > 0);
                assertTrue(copied.has("kafka_consumer_fetch_manager_records_lag_max"), "the workers' Kafka consumer lag");

                // the stream worker: commands applied go up while the source is written to
                ServiceProcess stream = RUN.service().streamWorkers.get(0);
                double applied = awaitAbove(stream, "redis_migrate_worker_commands_applied_total", id, 0);
                awaitAbove(stream, "redis_migrate_worker_commands_applied_total", id, applied);
                assertTrue(PrometheusText.scrape(stream).value("redis_migrate_worker_lag_bytes", "migration", id).isPresent());

                // api-service: gauges from PostgreSQL, the same migration moving there too
                double applied0 = awaitAbove(RUN.service().api(), "redis_migrate_migration_commands_applied", id, 0);
                awaitAbove(RUN.service().api(), "redis_migrate_migration_commands_applied", id, applied0);
                PrometheusText api = PrometheusText.scrape(RUN.service().api());
                assertEquals(100.0, api.valueOrZero("redis_migrate_migration_snapshot_percent", "migration", id));
                assertTrue(api.valueOrZero("redis_migrate_migrations", "status", "syncing") >= 1);

                // what the Grafana dashboard charts is what the services expose
                List<PrometheusText> all = List.of(api, PrometheusText.scrape(snapshot), PrometheusText.scrape(stream));
                for (String metric : dashboardMetrics()) {
                    assertTrue(all.stream().anyMatch(scrape -> scrape.has(metric)), metric + " charted but not exposed");
                }
            }

            RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", databaseId, id).then().statusCode(204);
            Await.until(Duration.ofSeconds(15), () -> PrometheusText.scrape(RUN.service().api())
                            .value("redis_migrate_migration_commands_applied", "migration", id).isEmpty(),
                    () -> "an ended migration's gauges gone from api-service");
            assertTrue(PrometheusText.scrape(RUN.service().api()).valueOrZero("redis_migrate_migrations", "status", "canceled") >= 1);
        }
    }

    @Test
    void showsEachShardOfAClusterSourceOnTheDashboardAndInMetrics() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(cluster);
             Browser browser = Browser.start(1366, 900)) {
            data.seed(5, 600);
            MigrationService.Ids ids = RUN.service().migrate(cluster.master(0), target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));

            browser.open(RUN.service().api().baseUrl() + "/");
            browser.type("token", MigrationService.TOKEN);
            browser.click("connect");
            browser.await(Duration.ofSeconds(10), "the migration's row", () -> !browser.find("migration-rows")
                    .findElements(By.cssSelector("tr[data-migration-id='" + ids.migration() + "']")).isEmpty());
            browser.find("migration-rows").findElement(By.cssSelector("tr[data-migration-id='" + ids.migration() + "']")).click();
            browser.await(Duration.ofSeconds(10), "the shards table", () -> browser.visible("shards")
                    && browser.find("shard-rows").findElements(By.tagName("tr")).size() == 3);
            // read in one script: every poll redraws the rows, so an element found earlier may be gone
            @SuppressWarnings("unchecked")
            List<String> rows = (List<String>) browser.script(
                    "return Array.from(document.querySelectorAll('#shard-rows tr')).map(r => r.innerText)");
            for (int shard = 0; shard < 3; shard++) {
                String row = rows.get(shard);
                assertTrue(row.contains("127.0.0.1:" + cluster.master(shard).port()), row);
                assertTrue(row.contains("stream") && row.contains("100"), row);
            }
            assertTrue(rows.get(0).contains("0-5460"), rows.get(0));

            // api-service: a gauge per shard besides the migration's
            // a shard's lag is known from its stream's first report
            Await.until(Duration.ofSeconds(20), () -> PrometheusText.scrape(RUN.service().api())
                            .values("redis_migrate_shard_lag_bytes", "migration", ids.migration()).size() == 3,
                    () -> "3 shard lag series on api-service");
            PrometheusText api = PrometheusText.scrape(RUN.service().api());
            assertEquals(List.of(100.0, 100.0, 100.0), api.values("redis_migrate_shard_snapshot_percent", "migration", ids.migration()));
            assertEquals(3, api.values("redis_migrate_shard_lag_bytes", "migration", ids.migration()).size());
            assertEquals(3, api.values("redis_migrate_shard_commands_applied", "migration", ids.migration()).size());

            RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", ids.database(), ids.migration()).then().statusCode(204);
            Await.until(Duration.ofSeconds(15), () -> PrometheusText.scrape(RUN.service().api())
                            .values("redis_migrate_shard_snapshot_percent", "migration", ids.migration()).isEmpty(),
                    () -> "an ended migration's shard gauges gone");
        }
    }

    /**
     * The metric names infra/monitoring/grafana-dashboard.json queries, but for the failures counter:
     * it appears with a worker's first failure, which a healthy migration never has.
     */
    private static Set<String> dashboardMetrics() throws IOException {
        String dashboard = Files.readString(ServiceProcess.ROOT.resolve("infra/monitoring/grafana-dashboard.json"));
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(?:redis_migrate|kafka_consumer|jvm|process|http_server)_[a-z_]+").matcher(dashboard);
        while (m.find()) {
            names.add(m.group());
        }
        names.remove("redis_migrate_worker_failures_total");
        assertTrue(names.size() >= 10, names.toString());
        return names;
    }

    /** Waits until the series of this migration exceeds {@code floor}; returns its value then. */
    private static double awaitAbove(ServiceProcess process, String name, String migrationId, double floor)
            throws InterruptedException {
        double[] seen = {0};
        Await.until(Duration.ofSeconds(30), () -> {
            seen[0] = PrometheusText.scrape(process).valueOrZero(name, "migration", migrationId);
            return seen[0] > floor;
        }, () -> name + "{migration=" + migrationId + "} above " + floor + " on " + process.baseUrl() + ", is " + seen[0]);
        return seen[0];
    }
}
