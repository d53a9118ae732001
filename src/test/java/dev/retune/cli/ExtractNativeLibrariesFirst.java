package dev.retune.cli;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * The test suite's entry point does what {@link Main#main} does first: extract every bundled native library before
 * any test class loads one (see {@link NativeLibraries}). Registered in META-INF/services.
 */
public final class ExtractNativeLibrariesFirst implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        NativeLibraries.extract();
    }
}
