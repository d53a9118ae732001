package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ModelConfig;
import dev.retune.run.RunLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The studio in a real browser (Debian's headless Chromium through chromedriver), over a root of two tiny models, the
 * demo subset, a 20-step config and a small experiment: generate and play, a blind comparison rated, a training run
 * started from the page and watched while it trains, an experiment's gallery. Each test leaves a screenshot of its tab
 * in {@code retune.screenshots} (the build folder's studio-screenshots; docs/studio.md shows them, made with
 * {@code mvn test -Dtest=StudioBrowserTest -Dretune.screenshots=docs/studio}).
 */
class StudioBrowserTest {

    private static final double CLIP_SECONDS = 0.5;

    @TempDir
    static Path temp;

    private static Path root;
    private static Studio studio;
    private static Browser browser;

    @BeforeAll
    static void aRootServedAndABrowser() throws Exception {
        root = Files.createDirectories(temp.resolve("root"));
        StudioRoots.tinyModels(root, "tiny-a", "tiny-b");
        // models/tiny-a is in the root only, not in the checkout the tests run in: a run trained on it finds its base
        // model from the root.
        StudioRoots.demo20Config(root, new ModelConfig("models/tiny-a", null, 0L));
        assertTrue(StudioRoots.pairExperiment(root, "tiny-a", "tiny-b", CLIP_SECONDS).finished());
        studio = Studio.start(StudioOptions.local(root, 0));
        browser = Browser.open(temp.resolve("profile"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (studio != null) {
            studio.close();
        }
        RunLock.trainer(root.resolve("runs/watched")).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    @Test
    void generatesFromTheTinyModelAndThePlayerPlaysTheResult() throws Exception {
        open("generate");
        choose("#gen-source", "models/tiny-a");
        type("#gen-prompts", "warm analog synth pad");
        type("#gen-duration", Double.toString(CLIP_SECONDS));
        type("#gen-seed", "1234");
        type("#gen-variations", "2");
        browser.find("#gen-submit").click();

        List<WebElement> results = browser.await(120, d -> {
            List<WebElement> cards = d.findElements(By.cssSelector("#gen-results [data-test=result]"));
            return cards.size() >= 2 ? cards : null;
        });
        List<String> seeds = new ArrayList<>();
        results.forEach(card -> seeds.add(card.getAttribute("data-seed")));
        assertTrue(seeds.containsAll(List.of("1234", "1235")), "one seed per variation, shown: " + seeds);
        WebElement card = results.stream().filter(c -> "1234".equals(c.getAttribute("data-seed"))).findFirst().orElseThrow();
        String metrics = card.findElement(By.cssSelector("[data-test=metrics]")).getText();
        assertTrue(metrics.matches("(?s).*Loudness \\(LUFS\\) -?\\d+\\.\\d.*"), "the clip's measured loudness is beside it: " + metrics);

        WebElement audio = card.findElement(By.tagName("audio"));
        assertEquals(CLIP_SECONDS, playerSeconds(audio), 0.05, "the player reads the WAV's length");
        browser.script("arguments[0].play()", audio);
        browser.await(30, d -> (Boolean) browser.script("return arguments[0].currentTime > 0 || arguments[0].ended", audio));
        screenshot("generate");
    }

    @Test
    void aBlindComparisonIsRatedAndTheRatingIsAppendedToTheRatingsFile() throws Exception {
        Path ratings = root.resolve("ratings/studio.jsonl");
        long before = Files.exists(ratings) ? Files.readAllLines(ratings).size() : 0;
        open("compare");
        type("#cmp-source-0", "models/tiny-a");
        type("#cmp-source-1", "models/tiny-b");
        type("#cmp-prompt", "slow cinematic strings");
        type("#cmp-seed", "7");
        type("#cmp-duration", Double.toString(CLIP_SECONDS));
        assertTrue(browser.find("#cmp-blind").isSelected(), "blind is the default");
        browser.find("#cmp-submit").click();

        browser.await(120, d -> d.findElements(By.cssSelector("#cmp-clips [data-test=rate]:not([disabled])")).size() == 10);
        String clips = browser.find("#cmp-clips").getText();
        assertFalse(clips.contains("tiny-a") || clips.contains("tiny-b"), "blind: no clip names its source: " + clips);
        browser.find("#cmp-clips [data-label=A] [data-test=rate][data-score='4']").click();
        browser.find("#cmp-clips [data-label=B] [data-test=rate][data-score='2']").click();
        browser.find("#cmp-clips [data-label=A] [data-test=prefer]").click();
        screenshot("compare-blind");
        browser.find("#cmp-rate-submit").click();

        browser.await(30, d -> d.findElements(By.cssSelector("#cmp-clips [data-test=clip-source]")).size() == 2);
        assertEquals(before + 1, Files.readAllLines(ratings).size(), "the rating is one more line of ratings/studio.jsonl");
        browser.await(30, d -> d.findElements(By.cssSelector("[data-test=ratings-row]")).size() == 2);
        screenshot("compare");
    }

    @Test
    void aRunStartedFromThePageDrawsItsCurveWhileItTrains() throws Exception {
        open("runs");
        choose("#runs-config", "demo20.yaml");
        type("#runs-name", "watched");
        browser.find("#runs-start").click();

        browser.await(60, d -> d.findElement(By.id("run-detail-name")).getText().equals("watched"));
        List<Integer> drawnWhileRunning = new ArrayList<>();
        browser.await(240, d -> {
            int steps = Integer.parseInt(d.findElement(By.id("run-chart")).getAttribute("data-steps"));
            String status = d.findElement(By.id("run-detail-status")).getText();
            if (status.equals("running") && steps > 0 && !drawnWhileRunning.contains(steps)) {
                drawnWhileRunning.add(steps);
            }
            return status.equals("finished") && steps == 20;
        });
        assertTrue(drawnWhileRunning.size() >= 2, "the curve grew while the run trained: " + drawnWhileRunning);
        assertEquals("20", browser.find("#run-chart").getAttribute("data-last-step"));
        assertTrue(Integer.parseInt(browser.find("#run-chart").getAttribute("data-evals")) >= 4, "validation every 5 steps");
        browser.await(30, d -> d.findElement(By.cssSelector("tr[data-test=run-row][data-run=watched] [data-test=run-status]")).getText().equals("finished"));
        screenshot("runs");
    }

    @Test
    void anExperimentsGalleryPlaysItsSamplesAndShowsItsPlots() throws Exception {
        open("experiments");
        browser.await(30, d -> d.findElements(By.cssSelector("tr[data-test=experiment-row][data-name=pair]")).size() == 1);
        browser.find("tr[data-test=experiment-row][data-name=pair]").click();
        List<WebElement> players = browser.await(30, d -> {
            List<WebElement> audio = d.findElements(By.cssSelector("#experiment-gallery audio[data-test=sample-audio]"));
            return audio.size() == 2 ? audio : null;
        });
        for (WebElement audio : players) {
            browser.script("arguments[0].play()", audio); // a gallery's players load nothing until played
            assertEquals(CLIP_SECONDS, playerSeconds(audio), 0.05);
        }
        List<WebElement> plots = browser.find("#experiment-gallery").findElements(By.cssSelector("[data-test=experiment-plot] img, img[data-test=experiment-plot]"));
        assertFalse(plots.isEmpty(), "the experiment's plots are shown");
        browser.await(30, d -> plots.stream().allMatch(img -> ((Number) browser.script("return arguments[0].naturalWidth", img)).intValue() > 0));
        screenshot("experiments");
    }

    private static void open(String tab) {
        browser.get(studio.url() + "#" + tab);
        browser.awaitVisible(10, "#tab-" + tab);
    }

    /** The length an audio element reads from its file, once it has loaded the file's metadata. */
    private static double playerSeconds(WebElement audio) {
        return browser.await(30, d -> {
            Object seconds = browser.script("return arguments[0].readyState >= 1 ? arguments[0].duration : null", audio);
            return seconds == null ? null : ((Number) seconds).doubleValue();
        });
    }

    /** Waits for the select {@code css} to offer {@code value}, and picks it. */
    private static void choose(String css, String value) {
        browser.await(30, d -> d.findElements(By.cssSelector(css + " option[value='" + value + "']")).size() == 1);
        new Select(browser.find(css)).selectByValue(value);
    }

    private static void type(String css, String text) {
        WebElement field = browser.find(css);
        field.clear();
        field.sendKeys(text);
    }

    private static void screenshot(String name) throws Exception {
        browser.screenshot(Path.of(System.getProperty("retune.screenshots", "target/studio-screenshots")).resolve(name + ".png"));
    }
}
