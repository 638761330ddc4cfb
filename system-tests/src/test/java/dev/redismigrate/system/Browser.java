package dev.redismigrate.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver (infra/install.sh installs
 * both). Both paths are given, so Selenium Manager never downloads a browser or a driver.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final WebDriver driver;

    private Browser(WebDriver driver) {
        this.driver = driver;
    }

    /** A fresh profile under system-tests/target, at a laptop's window size. */
    static Browser start(int width, int height) {
        for (Path binary : new Path[] {CHROMIUM, CHROMEDRIVER}) {
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(binary + " is missing: run infra/install.sh (Debian packages chromium, chromium-driver)");
            }
        }
        try {
            Path target = ServiceProcess.ROOT.resolve("system-tests/target");
            Files.createDirectories(target);
            Path profile = Files.createTempDirectory(target, "chromium-profile-");
            System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            // background networking off: this machine's closed network refuses those connections by the dozen
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile,
                    "--window-size=" + width + "," + height);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .withLogFile(target.resolve("chromedriver.log").toFile())
                    .build();
            return new Browser(new ChromeDriver(service, options));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String id) {
        return driver.findElement(By.id(id));
    }

    /** Replaces the text of an input. */
    void type(String id, String text) {
        WebElement input = find(id);
        input.clear();
        input.sendKeys(text);
    }

    void click(String id) {
        find(id).click();
    }

    String text(String id) {
        return find(id).getText();
    }

    String attribute(String id, String name) {
        return find(id).getAttribute(name);
    }

    boolean visible(String id) {
        return find(id).isDisplayed();
    }

    String pageSource() {
        return driver.getPageSource();
    }

    Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits until the condition holds; the failure names it and shows what the page says. */
    void await(Duration timeout, String what, Supplier<Boolean> condition) {
        try {
            new WebDriverWait(driver, timeout, Duration.ofMillis(200)).until(d -> {
                try {
                    return condition.get();
                } catch (WebDriverException notYet) {
                    return false;
                }
            });
        } catch (WebDriverException e) {
            screenshot(ServiceProcess.ROOT.resolve("system-tests/target/browser-timeout.png"));
            throw new AssertionError("timed out waiting for " + what + " (screenshot: system-tests/target/browser-timeout.png); the page says:\n"
                    + script("return document.body.innerText"), e);
        }
    }

    void screenshot(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
