package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/** The page loads in a real browser with nothing from the network, and its tabs switch. */
class StudioPageBrowserTest {

    @TempDir
    Path temp;

    @Test
    void thePageLoadsOfflineAndItsTabsSwitch() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root"));
        try (Studio studio = Studio.start(StudioOptions.local(root, 0)); Browser browser = Browser.open(temp.resolve("profile"))) {
            browser.get(studio.url());
            assertEquals("Retune studio", browser.driver().getTitle());
            browser.await(10, d -> d.findElement(By.id("root-info")).getText().contains(root.toAbsolutePath().toString()));
            for (String tab : new String[] {"compare", "runs", "experiments", "generate"}) {
                browser.find("#tabs a[data-tab='" + tab + "']").click();
                browser.awaitVisible(5, "#tab-" + tab);
                assertTrue(browser.find("#tabs a[data-tab='" + tab + "']").getAttribute("class").contains("active"), tab);
                assertEquals(1L, browser.script("return document.querySelectorAll('.tab.active').length"), tab);
            }
            Object failed = browser.script("return performance.getEntriesByType('resource')"
                    + ".filter(e => !e.name.startsWith(location.origin)).map(e => e.name)");
            assertEquals(List.of(), failed, "the page fetched nothing from elsewhere");
        }
    }
}
