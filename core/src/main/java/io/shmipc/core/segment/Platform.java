package io.shmipc.core.segment;

import java.util.Locale;

public final class Platform
{
    private static final String OS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);

    public static final boolean IS_WINDOWS = OS.startsWith("windows");
    public static final boolean IS_LINUX = OS.startsWith("linux");

    private Platform()
    {
    }

    /**
     * @throws UnsupportedOperationException naming the feature and the OS when not on Linux.
     */
    public static void requireLinux(final String feature)
    {
        if (!IS_LINUX)
        {
            throw new UnsupportedOperationException(feature + " runs on Linux only for now (it locks and removes " +
                "files under /dev/shm); this is " + System.getProperty("os.name") + ". Segments, rings and named " +
                "signals work on Windows.");
        }
    }
}
