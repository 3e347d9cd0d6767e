package io.shmipc.tools;

import java.time.Duration;

/**
 * A child JVM for {@link ShutdownGuardTest}: installs a {@link ShutdownGuard} while the JVM is already shutting down
 * (from a shutdown hook, as when a signal lands before a command reaches its install) and prints what happened.
 */
final class InstallDuringShutdown
{
    private InstallDuringShutdown()
    {
    }

    public static void main(final String[] args)
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            try
            {
                new ShutdownGuard<AutoCloseable>("late-guard", Duration.ofMillis(100), null).install();
                System.out.println("installed");
            }
            catch (final CliException ex)
            {
                System.out.println("exit " + ex.exitCode() + ": " + ex.getMessage());
            }
        }));
    }
}
