package dev.retune;

/**
 * The one channel through which library code tells a person something while it works: a skipped file, a kernel
 * turned off, a setting that costs speed. One line per message. Messages go to stderr until a caller routes them
 * elsewhere for a while: training routes them into its metrics sinks (so the console shows them in place and
 * {@code --json} carries them as records), a program embedding Retune may route them to its own log.
 */
public final class Log {

    /** Receives messages. */
    @FunctionalInterface
    public interface Handler {
        void message(String text);
    }

    /** Routing in effect until closed, when the handler before it is back. */
    public static final class Route implements AutoCloseable {
        private final Handler previous;

        private Route(Handler previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            handler = previous;
        }
    }

    private static final Handler STDERR = text -> System.err.println(text); // System.err as it is when a message comes
    private static volatile Handler handler = STDERR;

    private Log() {}

    /** Something a person should act on or know (prefixed "warning: "). */
    public static void warn(String text) {
        handler.message("warning: " + text);
    }

    /** Something a person may want to know. */
    public static void info(String text) {
        handler.message(text);
    }

    /** The handler messages go to now. */
    public static Handler handler() {
        return handler;
    }

    /** Sends messages to {@code to} until the route is closed. */
    public static Route routeTo(Handler to) {
        Route route = new Route(handler);
        handler = to;
        return route;
    }
}
