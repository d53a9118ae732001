package dev.retune.studio;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Who may use the studio. Bound to loopback without a token, a request must name this machine in its {@code Host}
 * header, so a web page elsewhere cannot reach the studio through a DNS name that resolves to 127.0.0.1. With a token
 * (required on any other address), every request carries it: as {@code ?token=} (the printed URL; the page then gets
 * it as a cookie), as {@code Authorization: Bearer}, or as that cookie.
 */
final class Access {

    static final String COOKIE = "retune_studio_token";

    private final String token;
    private final boolean loopback;

    Access(String token, boolean loopback) {
        this.token = token;
        this.loopback = loopback;
    }

    /** A fresh token: 24 random bytes in hex, as Jupyter prints one. */
    static String newToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    void check(Context ctx) {
        if (loopback && !namesThisMachine(ctx.header("Host"))) {
            throw StudioException.forbidden("the Host header must name this machine (localhost or 127.0.0.1)");
        }
        if (token == null) {
            return;
        }
        String query = ctx.queryParam("token");
        if (matches(query)) {
            ctx.res().addHeader("Set-Cookie", COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
            return;
        }
        String authorization = ctx.header("Authorization");
        if (authorization != null && authorization.startsWith("Bearer ") && matches(authorization.substring(7))) {
            return;
        }
        if (matches(ctx.cookie(COOKIE))) {
            return;
        }
        throw new StudioException(401, "this studio needs its access token: open the URL it printed (…?token=…)");
    }

    private boolean matches(String given) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    static boolean namesThisMachine(String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        String host = hostHeader.toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            host = host.substring(0, host.indexOf(']') + 1);
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.equals("localhost") || host.equals("[::1]") || host.matches("127(\\.\\d{1,3}){3}");
    }
}
