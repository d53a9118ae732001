package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.DeviceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the studio serves, and to whom: only files inside its folders (no {@code ..}, encoded or not, no absolute path,
 * no symbolic link out), byte ranges exactly as asked, loopback requests that name this machine, and with a token
 * only requests that carry it. Requests go over a raw socket so nothing normalizes them on the way.
 */
class StudioSecurityTest {

    private static final String SECRET = "secret-outside-the-served-folders";

    @TempDir
    Path temp;

    private Path root;
    private Studio studio;
    private byte[] plot;

    @BeforeEach
    void serve() throws IOException {
        root = Files.createDirectories(temp.resolve("root"));
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.writeString(root.resolve("secret.txt"), SECRET); // in the root, but in none of its served folders
        Path run = Files.createDirectories(root.resolve("runs/demo"));
        plot = new byte[1000];
        for (int i = 0; i < plot.length; i++) {
            plot[i] = (byte) (i * 7 + 3);
        }
        Files.write(run.resolve("loss.png"), plot);
        Files.createSymbolicLink(root.resolve("runs/out"), outside);
        Files.createSymbolicLink(run.resolve("secret.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("runs/alias"), run);
        studio = Studio.start(StudioOptions.local(root, 0));
    }

    @AfterEach
    void stop() {
        studio.close();
    }

    @Test
    void servesAFileOfAServedFolderAndNothingOutsideThem() throws IOException {
        RawHttp.Response ok = RawHttp.get(studio.port(), "/files/runs/demo/loss.png");
        assertEquals(200, ok.status());
        assertEquals("image/png", ok.header("Content-Type"));
        assertArrayEquals(plot, ok.body());
        assertEquals(200, RawHttp.get(studio.port(), "/files/runs/alias/loss.png").status(), "a link that stays inside is served");

        List<String> escapes = List.of(
                "/files/runs/../secret.txt",
                "/files/runs/demo/../../secret.txt",
                "/files/runs/%2e%2e/secret.txt",
                "/files/runs/%2E%2E/secret.txt",
                "/files/runs/demo/%2e%2e/%2e%2e/secret.txt",
                "/files/runs/..%2fsecret.txt",
                "/files/runs/%2e%2e%2fsecret.txt",
                "/files/runs/demo/..%5c..%5csecret.txt",
                "/files/runs/%2f" + temp.resolve("outside/secret.txt").toString().substring(1).replace("/", "%2f"),
                "/files/runs/" + temp.resolve("outside/secret.txt"),
                "/files/runs/out/secret.txt",
                "/files/runs/demo/secret.txt",
                "/files/runs/demo/loss.png%00.txt",
                "/files/root/secret.txt",
                "/files/../secret.txt",
                "/secret.txt",
                "/../secret.txt",
                "/%2e%2e/secret.txt");
        for (String target : escapes) {
            RawHttp.Response response = RawHttp.get(studio.port(), target);
            assertTrue(response.status() >= 400 && response.status() < 500, target + " → " + response.status());
            assertFalse(response.text().contains(SECRET), target + " leaked the file");
        }
        assertEquals(403, RawHttp.get(studio.port(), "/files/runs/out/secret.txt").status(), "a link leading out is refused as such");
        assertEquals(403, RawHttp.get(studio.port(), "/files/runs/%2e%2e/secret.txt").status());
        assertEquals(404, RawHttp.get(studio.port(), "/files/runs/demo/missing.wav").status());
    }

    @Test
    void answersByteRangesExactlySoPlayersCanSeek() throws IOException {
        RawHttp.Response middle = RawHttp.get(studio.port(), "/files/runs/demo/loss.png", "Range: bytes=10-19");
        assertEquals(206, middle.status());
        assertEquals("bytes 10-19/1000", middle.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(plot, 10, 20), middle.body());

        RawHttp.Response open = RawHttp.get(studio.port(), "/files/runs/demo/loss.png", "Range: bytes=990-");
        assertEquals(206, open.status());
        assertArrayEquals(Arrays.copyOfRange(plot, 990, 1000), open.body());

        RawHttp.Response suffix = RawHttp.get(studio.port(), "/files/runs/demo/loss.png", "Range: bytes=-5");
        assertEquals("bytes 995-999/1000", suffix.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(plot, 995, 1000), suffix.body());

        RawHttp.Response beyond = RawHttp.get(studio.port(), "/files/runs/demo/loss.png", "Range: bytes=1000-");
        assertEquals(416, beyond.status());
        assertEquals("bytes */1000", beyond.header("Content-Range"));

        RawHttp.Response whole = RawHttp.get(studio.port(), "/files/runs/demo/loss.png");
        assertEquals("bytes", whole.header("Accept-Ranges"));
        assertEquals(1000, whole.body().length);
    }

    @Test
    void onLoopbackARequestMustNameThisMachine() throws IOException {
        assertEquals(200, RawHttp.get(studio.port(), "/api/info", "Host: localhost:" + studio.port()).status());
        assertEquals(200, RawHttp.get(studio.port(), "/api/info", "Host: 127.0.0.1").status());
        RawHttp.Response rebound = RawHttp.get(studio.port(), "/api/info", "Host: attacker.example:" + studio.port());
        assertEquals(403, rebound.status());
        assertTrue(rebound.text().contains("Host header"), rebound.text());
        assertEquals(403, RawHttp.get(studio.port(), "/", "Host: attacker.example").status(), "the page itself too");
    }

    @Test
    void withATokenEveryRequestMustCarryIt() throws IOException {
        studio.close();
        studio = Studio.start(new StudioOptions("127.0.0.1", 0, root, "t0ken-42", DeviceConfig.Kind.CPU, 2, 1024));
        int port = studio.port();
        assertTrue(studio.url().endsWith("/?token=t0ken-42"), studio.url());
        for (String target : List.of("/", "/studio.js", "/api/info", "/files/runs/demo/loss.png")) {
            RawHttp.Response refused = RawHttp.get(port, target);
            assertEquals(401, refused.status(), target);
            assertFalse(refused.text().contains("Retune studio</title>"), target);
            assertEquals(401, RawHttp.get(port, target, "Authorization: Bearer wrong").status(), target);
            assertEquals(401, RawHttp.get(port, target + "?token=t0ken-4").status(), target);
        }
        RawHttp.Response page = RawHttp.get(port, "/?token=t0ken-42");
        assertEquals(200, page.status());
        assertTrue(page.text().contains("Retune studio"), page.text());
        String cookie = page.header("Set-Cookie");
        assertNotNull(cookie);
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        assertEquals(200, RawHttp.get(port, "/api/info", "Cookie: " + cookie.substring(0, cookie.indexOf(';'))).status());
        assertEquals(200, RawHttp.get(port, "/api/info", "Authorization: Bearer t0ken-42").status());
        assertArrayEquals(plot, RawHttp.get(port, "/files/runs/demo/loss.png", "Authorization: Bearer t0ken-42").body());
    }

    @Test
    void anyAddressOtherThanLoopbackGetsAFreshTokenAndRefusesRequestsWithoutIt() throws IOException {
        studio.close();
        studio = Studio.start(new StudioOptions("0.0.0.0", 0, root, null, DeviceConfig.Kind.CPU, 2, 1024));
        String url = studio.url();
        assertTrue(url.matches("http://0\\.0\\.0\\.0:\\d+/\\?token=[0-9a-f]{48}"), url);
        String token = url.substring(url.indexOf("token=") + 6);
        assertEquals(401, RawHttp.get(studio.port(), "/api/info").status());
        assertEquals(200, RawHttp.get(studio.port(), "/api/info?token=" + token, "Host: some.lan.name").status(), "no Host check off loopback");
        Studio other = Studio.start(new StudioOptions("0.0.0.0", 0, root, null, DeviceConfig.Kind.CPU, 2, 1024));
        try {
            assertFalse(other.url().endsWith(token), "each start draws a new token");
        } finally {
            other.close();
        }
    }

    @Test
    void aServerErrorNamesWhatWasWrongAsJson() throws IOException {
        RawHttp.Response missing = RawHttp.get(studio.port(), "/files/nowhere/x.wav");
        assertEquals(404, missing.status());
        assertTrue(missing.text().contains("\"error\"") && missing.text().contains("nowhere"), missing.text());
    }
}
