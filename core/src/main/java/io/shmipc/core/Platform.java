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
}
