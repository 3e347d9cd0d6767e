package io.shmipc.core;

import java.util.Locale;

final class Platform
{
    static final boolean IS_WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private Platform()
    {
    }
}
