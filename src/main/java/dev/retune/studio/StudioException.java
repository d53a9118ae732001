package dev.retune.studio;

/** A request the studio refuses: its HTTP status and a message that names what was wrong. */
public final class StudioException extends RuntimeException {

    private final int status;

    StudioException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static StudioException badRequest(String message) {
        return new StudioException(400, message);
    }

    static StudioException forbidden(String message) {
        return new StudioException(403, message);
    }

    static StudioException notFound(String message) {
        return new StudioException(404, message);
    }

    static StudioException conflict(String message) {
        return new StudioException(409, message);
    }

    static StudioException tooMany(String message) {
        return new StudioException(429, message);
    }
}
