package dev.redismigrate.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The dashboard's files are public; the API they call is not. */
@QuarkusTest
class DashboardPageTest {

    @Test
    void thePageAndItsModulesLoadWithoutAToken() {
        given().get("/").then().statusCode(200)
                .contentType(startsWith("text/html"))
                .body(containsString("<script type=\"module\" src=\"dashboard/app.js\"></script>"));
        for (String module : new String[] {"app.js", "api.js", "detail.js", "dom.js", "format.js", "lag-chart.js",
                "migrations-table.js", "samples.js", "start-form.js", "controls.js", "verification.js"}) {
            // browsers run a module only when it is served as JavaScript
            given().get("/dashboard/" + module).then().statusCode(200).contentType(containsString("javascript"));
        }
        given().get("/dashboard/style.css").then().statusCode(200).contentType(startsWith("text/css"));
    }

    @Test
    void theApiBehindItStillNeedsTheToken() {
        given().get("/v2/migrations").then().statusCode(401);
    }
}
