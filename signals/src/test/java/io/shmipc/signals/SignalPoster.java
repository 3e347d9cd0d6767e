package io.shmipc.signals;

import java.time.Duration;

/**
 * Main class run in a second JVM by the cross-process tests: opens an existing named signal and posts it.
 * Usage: {@code SignalPoster NAME [COUNT]}. Exit status 0 when posted, 1 on any error.
 */
public final class SignalPoster
{
    private SignalPoster()
    {
    }

    public static void main(final String[] args)
    {
        try (NamedSignal signal = NamedSignals.open(args[0], Duration.ofSeconds(10)))
        {
            final int count = args.length > 1 ? Integer.parseInt(args[1]) : 1;
            for (int i = 0; i < count; i++)
            {
                signal.post();
            }
            System.out.println("posted " + count);
        }
        catch (final Throwable t)
        {
            t.printStackTrace();
            System.exit(1);
        }
    }
}
