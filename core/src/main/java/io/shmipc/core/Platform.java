package io.shmipc.core;

import java.util.Locale;

final class Platform
{
    private static final String OS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);

    static final boolean IS_WINDOWS = OS.startsWith("windows");
    static final boolean IS_LINUX = OS.startsWith("linux");

    private Platform()
    {
    }

    /**
     * @throws UnsupportedOperationException naming the feature and the OS when not on Linux.
     */
    static void requireLinux(final String feature)
    {
        if (!IS_LINUX)
        {
            throw new UnsupportedOperationException(feature + " runs on Linux only for now (it locks and removes " +
                "files under /dev/shm); this is " + System.getProperty("os.name") + ". Segments, rings and named " +
                "signals work on Windows.");
        }
    }
}
