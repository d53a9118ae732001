package dev.retune.studio;

import dev.retune.Failure;
import dev.retune.RetuneException;
import dev.retune.config.DeviceConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How {@code retune studio} is served. Every default lives here.
 *
 * @param host        the address to bind: loopback by default; any other address requires {@code token}
 * @param port        the TCP port (0: any free port)
 * @param root        the folder whose {@code models/}, {@code runs/}, {@code experiments/}, {@code sweeps/} and
 *                    {@code ratings/} the page works on, and where its generations go ({@code studio/})
 * @param token       the access token every request must carry; null for none (loopback only)
 * @param device      where generations run
 * @param queueLimit  generation jobs waiting behind the running one; one more is refused with 429
 * @param uploadLimit largest uploaded file, in bytes
 */
public record StudioOptions(String host, int port, Path root, String token, DeviceConfig.Kind device, int queueLimit, long uploadLimit) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Gradio's port: users of the research tool this replaces have it in their fingers. */
    public static final int DEFAULT_PORT = 7860;
    public static final int DEFAULT_QUEUE_LIMIT = 8;
    public static final long DEFAULT_UPLOAD_LIMIT = 1 << 20;

    public StudioOptions {
        host = host == null ? DEFAULT_HOST : host;
        root = (root == null ? Path.of(".") : root).toAbsolutePath().normalize();
        device = device == null ? DeviceConfig.Kind.AUTO : device;
        if (port < 0 || port > 65535) {
            throw new RetuneException(Failure.USAGE, "--port must be 0 to 65535, found " + port);
        }
        if (queueLimit < 0) {
            throw new RetuneException(Failure.USAGE, "--queue must be 0 or more, found " + queueLimit);
        }
        if (uploadLimit < 1) {
            throw new RetuneException(Failure.USAGE, "the upload limit must be at least 1 byte, found " + uploadLimit);
        }
        if (token != null && token.isBlank()) {
            throw new RetuneException(Failure.USAGE, "--token is blank");
        }
        if (!Files.isDirectory(root)) {
            throw new RetuneException(Failure.BAD_INPUT, "--root " + root + " is not a folder");
        }
    }

    /** Loopback defaults over {@code root}, on any free port when {@code port} is 0. */
    public static StudioOptions local(Path root, int port) {
        return new StudioOptions(DEFAULT_HOST, port, root, null, DeviceConfig.Kind.AUTO, DEFAULT_QUEUE_LIMIT, DEFAULT_UPLOAD_LIMIT);
    }

    /** Whether {@code host} names only this machine (127.0.0.0/8, ::1, localhost). */
    public boolean loopback() {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new RetuneException(Failure.USAGE, "--host " + host + " is not an address of this machine: " + e.getMessage());
        }
    }

    public StudioOptions withToken(String newToken) {
        return new StudioOptions(host, port, root, newToken, device, queueLimit, uploadLimit);
    }
}
